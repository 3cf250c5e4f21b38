using System.Text.Json;
using System.Text.Json.Serialization;

namespace Webhooks.Sdk.Destinations;

/// <summary>The non-secret settings of a destination, stored as JSON in <see cref="Storage.DestinationRecord.ConfigJson"/>.</summary>
internal sealed class DestinationConfig
{
    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public string Url { get; set; } = string.Empty;

    public string Method { get; set; } = "POST";

    public string Format { get; set; } = WebhookFormats.Json;

    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public List<string> Subscriptions { get; set; } = [];

    public int RetryCount { get; set; } = 3;

    public int AttemptTimeoutMs { get; set; } = 5000;

    public WebhookRateLimit? RateLimit { get; set; }

    public Dictionary<string, string> FormatSettings { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public WebhookTextFormat TextFormat { get; set; }

    public string? BodyTemplate { get; set; }

    public WebhookCorrelationSettings? Correlation { get; set; }

    public bool OrderedDelivery { get; set; }

    public bool PropagateTraceContext { get; set; } = true;
    public JsonElement? Filter { get; set; }

    /// <summary>Gets or sets the destination's own private-network allow-list (syslog collectors), or <see langword="null"/>.</summary>
    public List<string>? PrivateNetworks { get; set; }

    public static DestinationConfig From(WebhookDestinationDefinition d) => new()
    {
        Url = d.Url.Trim(),
        Method = d.Method.Trim().ToUpperInvariant(),
        Format = d.Format.Trim().ToLowerInvariant(),
        Headers = new Dictionary<string, string>(d.Headers ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase),
        Subscriptions = [.. d.Subscriptions ?? []],
        RetryCount = d.RetryCount,
        AttemptTimeoutMs = (int)d.AttemptTimeout.TotalMilliseconds,
        RateLimit = d.RateLimit,
        FormatSettings = new Dictionary<string, string>(d.FormatSettings ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase),
        TextFormat = d.TextFormat,
        BodyTemplate = d.BodyTemplate,
        Correlation = d.Correlation,
        OrderedDelivery = d.OrderedDelivery,
        PropagateTraceContext = d.PropagateTraceContext,
        Filter = d.Filter?.Clone(),
        PrivateNetworks = d.AllowedPrivateNetworks is { Count: > 0 } networks ? [.. networks.Select(n => Safety.OutboundGuard.TryParseNetwork(n, out var parsed) ? parsed.ToString() : n).Distinct()] : null,
    };

    public static DestinationConfig Parse(string json)
        => JsonSerializer.Deserialize(json, Internal.StoredJsonContext.Default.DestinationConfig) ?? throw new InvalidOperationException("A stored destination has empty settings.");

    public string ToJson() => JsonSerializer.Serialize(this, Internal.StoredJsonContext.Default.DestinationConfig);

    public WebhookDestinationDefinition ToDefinition(string id, string name, bool enabled, WebhookAuth? auth) => new WebhookDestinationDefinition()
    {
        Id = id,
        Name = name,
        Enabled = enabled,
        Url = Url,
        Method = Method,
        Format = Format,
        Auth = auth,
        Headers = new Dictionary<string, string>(Headers, StringComparer.OrdinalIgnoreCase),
        Subscriptions = [.. Subscriptions],
        RetryCount = RetryCount,
        AttemptTimeout = TimeSpan.FromMilliseconds(AttemptTimeoutMs),
        RateLimit = RateLimit,
        FormatSettings = new Dictionary<string, string>(FormatSettings, StringComparer.OrdinalIgnoreCase),
        TextFormat = TextFormat,
        BodyTemplate = BodyTemplate,
        Correlation = Correlation,
        OrderedDelivery = OrderedDelivery,
        PropagateTraceContext = PropagateTraceContext,
        Filter = Filter,
    }.AllowPrivateNetworks([.. PrivateNetworks ?? []]);
}

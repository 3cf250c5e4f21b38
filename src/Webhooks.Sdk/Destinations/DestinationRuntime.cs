using System.Collections.Concurrent;
using System.Text.Json;
using Webhooks.Sdk.Routing;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Destinations;

/// <summary>A destination ready to send to: parsed settings, auth with secrets, compiled subscriptions.</summary>
internal sealed class DestinationRuntime
{
    public required DestinationRecord Record { get; init; }

    public required DestinationConfig Config { get; init; }

    public required WebhookDestination Public { get; init; }

    public required WebhookAuth Auth { get; init; }

    public required SubscriptionSet Subscriptions { get; init; }

    public required Uri Url { get; init; }

    public string TenantId => Record.TenantId;

    public string Id => Record.Id;

    /// <summary>A key that changes whenever the settings change (for per-destination caches).</summary>
    public string Version => string.Concat(Record.Id, "@", Record.UpdatedAt.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>Turns store records into runtimes (cached by version) and definitions into records, protecting secrets.</summary>
internal sealed class DestinationMapper
{
    private readonly ISecretProtector _protector;
    private readonly AuthenticatorRegistry _authenticators;
    private readonly Microsoft.Extensions.Options.IOptions<WebhooksOptions> _options;
    private readonly ConcurrentDictionary<(string Tenant, string Id), DestinationRuntime> _cache = new();

    public DestinationMapper(ISecretProtector protector, AuthenticatorRegistry authenticators, Microsoft.Extensions.Options.IOptions<WebhooksOptions> options)
    {
        _protector = protector;
        _authenticators = authenticators;
        _options = options;
    }

    public DestinationRuntime ToRuntime(DestinationRecord record)
    {
        var key = (record.TenantId, record.Id);
        if (_cache.TryGetValue(key, out var cached) && cached.Record.UpdatedAt == record.UpdatedAt && cached.Record.ProtectedAuth == record.ProtectedAuth)
        {
            if (ReferenceEquals(cached.Record, record) || cached.Record == record)
            {
                return cached;
            }

            // Same settings, different health: keep the parsed parts.
            var refreshed = new DestinationRuntime
            {
                Record = record,
                Config = cached.Config,
                Auth = cached.Auth,
                Subscriptions = cached.Subscriptions,
                Url = cached.Url,
                // Only the record's own fields can differ here: copy them instead of rebuilding the headers and settings.
                Public = cached.Public with
                {
                    Name = record.Name,
                    Enabled = record.Enabled,
                    CreatedAt = record.CreatedAt,
                    UpdatedAt = record.UpdatedAt,
                    LastSuccessAt = record.LastSuccessAt,
                    LastFailureAt = record.LastFailureAt,
                    ConsecutiveFailures = record.ConsecutiveFailures,
                    DisabledReason = record.DisabledReason,
                },
            };
            _cache[key] = refreshed;
            return refreshed;
        }

        var config = DestinationConfig.Parse(record.ConfigJson);
        var auth = UnprotectAuth(record.ProtectedAuth);
        var runtime = new DestinationRuntime
        {
            Record = record,
            Config = config,
            Auth = auth,
            Subscriptions = SubscriptionSet.Compile(config.Subscriptions.Count > 0 ? config.Subscriptions : _options.Value.DefaultSubscriptions),
            Url = new Uri(config.Url, UriKind.Absolute),
            Public = ToPublic(record, config, auth),
        };
        _cache[key] = runtime;
        return runtime;
    }

    /// <summary>A runtime that is not cached (unsaved drafts).</summary>
    public DestinationRuntime CreateRuntime(DestinationRecord record, WebhookAuth auth)
    {
        var config = DestinationConfig.Parse(record.ConfigJson);
        return new DestinationRuntime
        {
            Record = record,
            Config = config,
            Auth = auth,
            Subscriptions = SubscriptionSet.Compile(config.Subscriptions.Count > 0 ? config.Subscriptions : _options.Value.DefaultSubscriptions),
            Url = new Uri(config.Url, UriKind.Absolute),
            Public = ToPublic(record, config, auth),
        };
    }

    public void Forget(string tenantId, string id) => _cache.TryRemove((tenantId, id), out _);

    public WebhookDestination ToPublic(DestinationRecord record, DestinationConfig config, WebhookAuth auth) => new()
    {
        Id = record.Id,
        TenantId = record.TenantId,
        Name = record.Name,
        Url = config.Url,
        Enabled = record.Enabled,
        Method = config.Method,
        Format = config.Format,
        Auth = _authenticators.Get(auth.Kind).Describe(auth),
        Headers = new Dictionary<string, string>(config.Headers, StringComparer.OrdinalIgnoreCase),
        Subscriptions = config.Subscriptions.ToArray(),
        RetryCount = config.RetryCount,
        AttemptTimeout = TimeSpan.FromMilliseconds(config.AttemptTimeoutMs),
        RateLimit = config.RateLimit,
        FormatSettings = new Dictionary<string, string>(config.FormatSettings, StringComparer.OrdinalIgnoreCase),
        TextFormat = config.TextFormat,
        BodyTemplate = config.BodyTemplate,
        Correlation = config.Correlation,
        OrderedDelivery = config.OrderedDelivery || config.Correlation is not null,
        CreatedAt = record.CreatedAt,
        UpdatedAt = record.UpdatedAt,
        LastSuccessAt = record.LastSuccessAt,
        LastFailureAt = record.LastFailureAt,
        ConsecutiveFailures = record.ConsecutiveFailures,
        DisabledReason = record.DisabledReason,
    };

    public string? ProtectAuth(WebhookAuth? auth)
        => auth is null or NoWebhookAuth ? null : _protector.Protect(JsonSerializer.Serialize(auth, DestinationConfig.JsonOptions));

    public WebhookAuth UnprotectAuth(string? protectedAuth)
        => protectedAuth is null
            ? NoWebhookAuth.Instance
            : JsonSerializer.Deserialize<WebhookAuth>(_protector.Unprotect(protectedAuth), DestinationConfig.JsonOptions) ?? NoWebhookAuth.Instance;
}

/// <summary>The registered authenticators by kind.</summary>
internal sealed class AuthenticatorRegistry
{
    private readonly Dictionary<string, IWebhookAuthenticator> _byKind;

    public AuthenticatorRegistry(IEnumerable<IWebhookAuthenticator> authenticators)
    {
        _byKind = new Dictionary<string, IWebhookAuthenticator>(StringComparer.OrdinalIgnoreCase);
        foreach (var authenticator in authenticators)
        {
            _byKind[authenticator.Kind] = authenticator;
        }
    }

    public bool TryGet(string kind, out IWebhookAuthenticator authenticator) => _byKind.TryGetValue(kind, out authenticator!);

    public IWebhookAuthenticator Get(string kind)
        => _byKind.TryGetValue(kind, out var a) ? a : throw new InvalidOperationException($"No authenticator is registered for auth kind '{kind}'.");
}

/// <summary>The registered formatters by name; a later registration of a name replaces an earlier one.</summary>
internal sealed class FormatterRegistry
{
    private readonly Dictionary<string, IWebhookFormatter> _byName;

    public FormatterRegistry(IEnumerable<IWebhookFormatter> formatters)
    {
        _byName = new Dictionary<string, IWebhookFormatter>(StringComparer.OrdinalIgnoreCase);
        foreach (var formatter in formatters)
        {
            _byName[formatter.Name] = formatter;
        }
    }

    public IEnumerable<string> Names => _byName.Keys.Order(StringComparer.Ordinal);

    public bool TryGet(string name, out IWebhookFormatter formatter) => _byName.TryGetValue(name, out formatter!);

    public IWebhookFormatter Get(string name)
        => _byName.TryGetValue(name, out var f) ? f : throw new InvalidOperationException($"No formatter is registered for format '{name}'.");
}

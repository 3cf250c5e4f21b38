using System.Text.Json;
using System.Text.Json.Nodes;

namespace Webhooks.Sdk.AspNetCore.Api;

/// <summary>Turns a saved destination into the editable JSON a merge patch applies to, and a full definition into an update.</summary>
internal static class DestinationJson
{
    /// <summary>
    /// The saved destination as a definition, without its id, auth or secret format settings (those are write-only; an update
    /// that leaves them out keeps them).
    /// </summary>
    public static JsonObject Editable(WebhookDestination current, IEnumerable<IWebhookFormatter> formatters)
    {
        var secrets = formatters.FirstOrDefault(f => string.Equals(f.Name, current.Format, StringComparison.OrdinalIgnoreCase))?.SecretSettings ?? [];
        var definition = new WebhookDestinationDefinition
        {
            Name = current.Name,
            Url = current.Url,
            Enabled = current.Enabled,
            Method = current.Method,
            Format = current.Format,
            Headers = new Dictionary<string, string>(current.Headers, StringComparer.OrdinalIgnoreCase),
            Subscriptions = [.. current.Subscriptions],
            RetryCount = current.RetryCount,
            AttemptTimeout = current.AttemptTimeout,
            RateLimit = current.RateLimit,
            FormatSettings = current.FormatSettings
                .Where(s => !secrets.Contains(s.Key, StringComparer.OrdinalIgnoreCase))
                .ToDictionary(s => s.Key, s => s.Value, StringComparer.OrdinalIgnoreCase),
            TextFormat = current.TextFormat,
            BodyTemplate = current.BodyTemplate,
            Correlation = current.Correlation,
            OrderedDelivery = current.OrderedDelivery,
        };
        var node = JsonSerializer.SerializeToNode(definition, ApiJson.Options)!.AsObject();
        node.Remove("id");
        node.Remove("auth");
        return node;
    }

    /// <summary>An update that sets every setting of <paramref name="definition"/>; auth only when the body carried it (null removes it).</summary>
    public static WebhookDestinationUpdate ToUpdate(WebhookDestinationDefinition definition, bool authGiven) => new()
    {
        Name = definition.Name,
        Url = definition.Url,
        Method = definition.Method,
        Format = definition.Format,
        Auth = authGiven ? definition.Auth ?? NoWebhookAuth.Instance : null,
        Headers = definition.Headers ?? new Dictionary<string, string>(),
        Subscriptions = definition.Subscriptions ?? [],
        RetryCount = definition.RetryCount,
        AttemptTimeout = definition.AttemptTimeout,
        RateLimit = definition.RateLimit,
        RemoveRateLimit = definition.RateLimit is null,
        FormatSettings = definition.FormatSettings ?? new Dictionary<string, string>(),
        TextFormat = definition.TextFormat,
        BodyTemplate = definition.BodyTemplate ?? string.Empty,
        Correlation = definition.Correlation,
        RemoveCorrelation = definition.Correlation is null,
        OrderedDelivery = definition.OrderedDelivery,
    };
}

/// <summary>JSON Merge Patch (RFC 7396).</summary>
internal static class MergePatch
{
    public static JsonObject Apply(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch)
        {
            if (value is null)
            {
                target.Remove(name);
            }
            else if (value is JsonObject patchObject)
            {
                var existing = target[name] as JsonObject ?? new JsonObject();
                target.Remove(name);
                target[name] = Apply(existing, patchObject);
            }
            else
            {
                target[name] = value.DeepClone();
            }
        }

        return target;
    }
}

namespace Webhooks.Sdk;

/// <summary>
/// Built-in starting points for <see cref="WebhookDestinationDefinition.BodyTemplate"/>. Templates use <c>$field</c>,
/// <c>${field}</c>, <c>${data.path}</c>, <c>${field:default}</c> and <c>$$</c> for a literal <c>$</c>; see docs/templates.md.
/// </summary>
public static class WebhookTemplates
{
    /// <summary>The common fields as a JSON object.</summary>
    public const string Basic =
        "{\"id\":\"${id}\",\"type\":\"${type}\",\"time\":\"${time}\",\"severity\":\"${severity:info}\",\"title\":\"${title:}\",\"summary\":\"${summary:}\"}";

    /// <summary>Every event field as a JSON object; <c>data</c> is inserted as JSON.</summary>
    public const string AllFields =
        "{\"id\":\"${id}\",\"type\":\"${type}\",\"time\":\"${time}\",\"severity\":\"${severity:info}\",\"title\":\"${title:}\",\"summary\":\"${summary:}\","
        + "\"source\":\"${source:}\",\"subject\":\"${subject:}\",\"correlationKey\":\"${correlationKey:}\",\"data\":${data:{}}}";

    /// <summary>The names of the built-in templates: <c>basic</c> and <c>all fields</c>.</summary>
    public static IReadOnlyDictionary<string, string> BuiltIn { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["basic"] = Basic,
        ["all fields"] = AllFields,
    };
}

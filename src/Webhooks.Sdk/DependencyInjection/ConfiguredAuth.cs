using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Webhooks.Sdk.Destinations;

namespace Webhooks.Sdk.DependencyInjection;

/// <summary>
/// Reads the <c>Auth</c> section of destinations declared in configuration (the binder cannot create the abstract
/// <see cref="WebhookAuth"/>): the section is turned into JSON and read like a stored auth object, with <c>Kind</c>
/// choosing the auth kind, for example <c>{ "Kind": "bearer", "Token": "…" }</c>.
/// </summary>
internal static class ConfiguredAuth
{
    public static void Apply(IConfiguration webhooksSection, WebhooksOptions options)
    {
        var declared = webhooksSection.GetSection(nameof(WebhooksOptions.Destinations)).GetChildren().ToArray();
        for (var i = 0; i < declared.Length && i < options.Destinations.Count; i++)
        {
            var section = declared[i].GetSection(nameof(WebhookDestinationDefinition.Auth));
            if (section.GetChildren().Any())
            {
                options.Destinations[i].Auth = Read(section, $"{Where(i, options.Destinations[i].Id)}: Auth");
            }

            var filter = declared[i].GetSection(nameof(WebhookDestinationDefinition.Filter));
            if (filter.Value is not null || filter.GetChildren().Any())
            {
                options.Destinations[i].Filter = ReadFilter(filter, $"Destinations:{declared[i].Key}:Filter");
            }
        }
    }

    /// <summary>
    /// A filter in configuration: JSON text (<c>"Filter": "{\"data.count\": {\"$gte\": 5}}"</c>), or a section whose
    /// values that read as numbers or true/false are taken as such (configuration values are all text).
    /// </summary>
    private static JsonElement ReadFilter(IConfigurationSection section, string path)
    {
        if (section.Value is { } text)
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                return document.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                throw new InvalidOperationException($"Webhooks configuration: {path} is not valid JSON (line {ex.LineNumber + 1}, position {ex.BytePositionInLine + 1}).", ex);
            }
        }

        return JsonSerializer.SerializeToElement(ToNode(section, numbers: true));
    }
    /// <summary>How errors name a destination declared in configuration: <c>Destinations[1] (id 'r99')</c>.</summary>
    public static string Where(int index, string? id)
        => string.IsNullOrWhiteSpace(id)
            ? string.Create(CultureInfo.InvariantCulture, $"Destinations[{index}]")
            : string.Create(CultureInfo.InvariantCulture, $"Destinations[{index}] (id '{id}')");

    /// <summary>The auth kinds a configuration may name, from the polymorphic JSON contract of <see cref="WebhookAuth"/>.</summary>
    public static IReadOnlyList<string> Kinds { get; } = typeof(WebhookAuth)
        .GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonDerivedTypeAttribute), inherit: false)
        .Cast<System.Text.Json.Serialization.JsonDerivedTypeAttribute>()
        .Select(a => a.TypeDiscriminator as string)
        .OfType<string>()
        .ToArray();

    private static WebhookAuth Read(IConfigurationSection section, string path)
    {
        var node = ToNode(section) as JsonObject
            ?? throw new InvalidOperationException($"Webhooks configuration: {path} must be an object with a Kind.");
        var kindKey = node.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, "kind", StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException($"Webhooks configuration: {path} needs a Kind, one of: {string.Join(", ", Kinds)}.");
        var kind = node[kindKey]!.GetValue<string>().Trim().ToLowerInvariant();
        node.Remove(kindKey);
        if (!Kinds.Contains(kind, StringComparer.Ordinal))
        {
            throw new InvalidOperationException($"Webhooks configuration: {path}: '{kind}' is not an auth kind; valid kinds: {string.Join(", ", Kinds)}.");
        }

        // The type discriminator must come first.
        var ordered = new JsonObject { ["kind"] = kind };
        foreach (var (name, value) in node.ToArray())
        {
            node.Remove(name);
            ordered[name] = value;
        }

        try
        {
            return ordered.Deserialize<WebhookAuth>(DestinationConfig.JsonOptions)
                ?? throw new InvalidOperationException($"Webhooks configuration: {path} is empty.");
        }
        catch (JsonException ex)
        {
            // The message names the JSON path only; configuration values (secrets) are never echoed.
            throw new InvalidOperationException($"Webhooks configuration: {path} is not a valid '{kind}' auth ({ex.Path}).", ex);
        }
    }

    private static JsonNode? ToNode(IConfigurationSection section, bool numbers = false)
    {
        var children = section.GetChildren().ToArray();
        if (children.Length == 0)
        {
            return section.Value is { } value
                ? numbers && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? JsonValue.Create(number) : Leaf(value)
                : null;
        }

        if (children.All(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            var array = new JsonArray();
            foreach (var child in children.OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture)))
            {
                array.Add(ToNode(child, numbers));
            }

            return array;
        }

        var obj = new JsonObject();
        foreach (var child in children)
        {
            obj[child.Key] = ToNode(child, numbers);
        }

        return obj;
    }

    private static JsonValue Leaf(string value)
        => bool.TryParse(value, out var flag) ? JsonValue.Create(flag) : JsonValue.Create(value);
}

using Microsoft.Extensions.Options;

namespace Webhooks.Sdk;

/// <summary>
/// The registered event types. Matching is ordinal (case-sensitive); a name that differs from a registered one only in
/// case is refused in every mode, and in <see cref="WebhookCatalogMode.Strict"/> mode unregistered names are refused.
/// </summary>
internal sealed class WebhookEventCatalog : IWebhookEventCatalog
{
    private readonly IReadOnlyList<EventTypeDefinition> _all;
    private readonly Dictionary<string, EventTypeDefinition> _byName;
    private readonly Dictionary<string, string> _byFoldedName;
    private readonly bool _strict;

    public WebhookEventCatalog(IOptions<WebhooksOptions> options)
    {
        _byName = new Dictionary<string, EventTypeDefinition>(StringComparer.Ordinal);
        _byFoldedName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var definition in WebhookOperationalEvents.Definitions.Concat(options.Value.EventTypes))
        {
            _byName[definition.Name] = definition;
            _byFoldedName.TryAdd(definition.Name, definition.Name);
        }

        _all = _byName.Values.OrderBy(d => d.Name, StringComparer.Ordinal).ToArray();
        _strict = options.Value.Catalog.Mode == WebhookCatalogMode.Strict;
    }

    public IReadOnlyList<EventTypeDefinition> List() => _all;

    public EventTypeDefinition? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Why an event of this type may not be published, or <see langword="null"/> when it may.</summary>
    public string? CheckEventType(string type)
    {
        if (_byName.ContainsKey(type))
        {
            return null;
        }

        if (_byFoldedName.TryGetValue(type, out var registered))
        {
            return $"the event type '{type}' differs only in case from the registered event type '{registered}'; event types are case-sensitive";
        }

        return _strict
            ? $"the event type '{type}' is not registered in the catalogue (Catalog.Mode is Strict){Suggest(type, _byName.Keys)}"
            : null;
    }

    /// <summary>Why a subscription pattern may not be saved, or <see langword="null"/> when it may.</summary>
    public string? CheckSubscription(string pattern)
    {
        pattern = pattern.Trim();
        if (pattern == "*" || _byName.Count == 0)
        {
            return null;
        }

        if (!pattern.EndsWith(".*", StringComparison.Ordinal))
        {
            return CheckEventType(pattern) is { } problem ? $"'{pattern}' matches no registered event type: {problem}" : null;
        }

        var prefix = pattern[..^1];
        if (_byName.Keys.Any(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            return null;
        }

        if (_byName.Keys.FirstOrDefault(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) is { } caseOnly)
        {
            return $"'{pattern}' differs only in case from the registered event type '{caseOnly}'; event types are case-sensitive";
        }

        if (!_strict)
        {
            return null;
        }

        var prefixes = _byName.Keys.Where(n => n.Contains('.', StringComparison.Ordinal)).Select(n => n[..(n.LastIndexOf('.') + 1)] + "*").Distinct(StringComparer.Ordinal);
        return $"'{pattern}' matches no registered event type (Catalog.Mode is Strict){Suggest(pattern, prefixes)}";
    }

    private static string Suggest(string name, IEnumerable<string> candidates)
    {
        var best = candidates
            .Select(c => (Name: c, Distance: Distance(name, c)))
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(3, name.Length / 3)
            ? $"; did you mean '{best.Name}'?"
            : "; register it with AddEventTypes(...) or WebhooksOptions.EventTypes";
    }

    /// <summary>Levenshtein distance, case-insensitive (a case slip counts as no edit).</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToUpperInvariant(a[i - 1]) == char.ToUpperInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}

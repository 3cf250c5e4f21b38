namespace Webhooks.Sdk.Routing;

/// <summary>
/// Compiled subscriptions. A pattern is <c>*</c> (everything), <c>prefix.*</c> (every type that starts with
/// <c>prefix.</c>) or an exact type. Matching is case-sensitive (ordinal).
/// </summary>
internal sealed class SubscriptionSet
{
    private readonly bool _all;
    private readonly HashSet<string> _exact;
    private readonly string[] _prefixes;

    private SubscriptionSet(bool all, HashSet<string> exact, string[] prefixes)
    {
        _all = all;
        _exact = exact;
        _prefixes = prefixes;
    }

    public static SubscriptionSet Compile(IEnumerable<string> patterns)
    {
        var all = false;
        var exact = new HashSet<string>(StringComparer.Ordinal);
        var prefixes = new List<string>();
        foreach (var raw in patterns)
        {
            var pattern = raw.Trim();
            if (pattern == "*")
            {
                all = true;
            }
            else if (pattern.EndsWith(".*", StringComparison.Ordinal))
            {
                prefixes.Add(pattern[..^1]);
            }
            else
            {
                exact.Add(pattern);
            }
        }

        return new SubscriptionSet(all, exact, [.. prefixes]);
    }

    /// <summary>Checks a pattern's syntax: <c>*</c>, <c>name</c> or <c>name.*</c>, with no other wildcard or whitespace.</summary>
    public static string? Validate(string? pattern)
    {
        if (string.IsNullOrWhiteSpace(pattern))
        {
            return "is empty";
        }

        if (pattern == "*")
        {
            return null;
        }

        var body = pattern.EndsWith(".*", StringComparison.Ordinal) ? pattern[..^2] : pattern;
        if (body.Length == 0 || body.Contains('*', StringComparison.Ordinal) || body.Any(char.IsWhiteSpace) || body.StartsWith('.') || body.EndsWith('.'))
        {
            return $"'{pattern}' is not a valid subscription: use an exact type, 'prefix.*' or '*'";
        }

        return null;
    }

    public bool Matches(string eventType) => _all || MatchesByName(eventType);

    /// <summary>Whether a subscription names the type, exactly or by prefix (the catch-all <c>*</c> does not count).</summary>
    public bool MatchesByName(string eventType)
    {
        if (_exact.Contains(eventType))
        {
            return true;
        }

        foreach (var prefix in _prefixes)
        {
            if (eventType.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}

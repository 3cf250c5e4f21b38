using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Webhooks.Sdk.Routing.Filters;

/// <summary>
/// A compiled payload filter (see docs/filters.md). <see cref="Matches"/> is the routing hot path: it walks the event's
/// fields and the data's <see cref="JsonElement"/> in place and allocates nothing for equality, <c>$in</c>,
/// <c>$nin</c>, <c>$exists</c> and number comparisons.
/// </summary>
internal sealed class EventFilter
{
    /// <summary>The largest filter, in bytes of its JSON text.</summary>
    public const int MaxBytes = 16 * 1024;

    /// <summary>The deepest nesting of filter objects (<c>$and</c>, <c>$or</c>, <c>$not</c>).</summary>
    public const int MaxDepth = 8;

    private readonly Node _root;

    private EventFilter(Node root) => _root = root;

    /// <summary>Compiles a filter, adding one error per problem (with the JSON pointer of the problem under <paramref name="field"/>).</summary>
    /// <returns>The filter, or <see langword="null"/> when there were errors.</returns>
    public static EventFilter? Compile(JsonElement filter, string field, IList<WebhookValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        if (filter.ValueKind == JsonValueKind.Undefined)
        {
            errors.Add(new(field, "is not a JSON value"));
            return null;
        }

        var size = Encoding.UTF8.GetByteCount(filter.GetRawText());
        if (size > MaxBytes)
        {
            errors.Add(new(field, $"is {size} bytes; a filter may be at most {MaxBytes} bytes"));
            return null;
        }

        var root = new FilterParser(field, errors).ParseObject(filter, string.Empty, 1);
        return errors.Count == before && root is not null ? new EventFilter(root) : null;
    }

    /// <summary>Compiles a filter that was validated when it was saved.</summary>
    /// <exception cref="WebhookValidationException">The filter is invalid.</exception>
    public static EventFilter Compile(JsonElement filter)
    {
        var errors = new List<WebhookValidationError>();
        return Compile(filter, "Filter", errors) ?? throw new WebhookValidationException(errors);
    }

    /// <summary>Gets a value indicating whether the event passes the filter.</summary>
    public bool Matches(WebhookEvent evt) => _root.Evaluate(evt, null);

    /// <summary>Evaluates and, when the event does not pass, says why.</summary>
    public bool Explain(WebhookEvent evt, List<string> reasons) => _root.Evaluate(evt, reasons);

    internal abstract class Node
    {
        /// <summary>Evaluates; when <paramref name="why"/> is not <see langword="null"/> and the result is false, adds the reasons.</summary>
        public abstract bool Evaluate(WebhookEvent evt, List<string>? why);
    }

    internal sealed class AllNode(Node[] children, string label) : Node
    {
        public override bool Evaluate(WebhookEvent evt, List<string>? why)
        {
            var result = true;
            foreach (var child in children)
            {
                if (!child.Evaluate(evt, why))
                {
                    if (why is null)
                    {
                        return false;
                    }

                    result = false;
                }
            }

            if (!result && label.Length > 0)
            {
                why!.Add(label + ": not every condition matched");
            }

            return result;
        }
    }

    internal sealed class AnyNode(Node[] children, string label) : Node
    {
        public override bool Evaluate(WebhookEvent evt, List<string>? why)
        {
            foreach (var child in children)
            {
                if (child.Evaluate(evt, null))
                {
                    return true;
                }
            }

            if (why is not null)
            {
                why.Add(label + ": no branch matched");
                foreach (var child in children)
                {
                    child.Evaluate(evt, why);
                }
            }

            return false;
        }
    }

    internal sealed class NotNode(Node inner, string label) : Node
    {
        public override bool Evaluate(WebhookEvent evt, List<string>? why)
        {
            if (!inner.Evaluate(evt, null))
            {
                return true;
            }

            why?.Add(label + ": the negated filter matched");
            return false;
        }
    }

    internal sealed class FieldNode(FieldPath path, Condition[] conditions, string label) : Node
    {
        public override bool Evaluate(WebhookEvent evt, List<string>? why)
        {
            var value = path.Resolve(evt);
            var result = true;
            foreach (var condition in conditions)
            {
                if (!condition.Test(value))
                {
                    if (why is null)
                    {
                        return false;
                    }

                    why.Add($"{label}: {condition.Describe()}, but {Show(value)}");
                    result = false;
                }
            }

            return result;
        }

        private static string Show(in FieldValue value) => value.Kind switch
        {
            FieldKind.Missing => "the field is missing",
            FieldKind.Text => "it is " + JsonSerializer.Serialize(value.Text),
            _ => "it is " + Truncate(value.Json.GetRawText()),
        };

        private static string Truncate(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 77), "...");
    }
}

/// <summary>The kind of a resolved field value.</summary>
internal enum FieldKind
{
    Missing,
    Text,
    Json,
}

/// <summary>A field's value: missing, a string from the event's own fields, or a JSON value from the data.</summary>
internal readonly struct FieldValue
{
    public static readonly FieldValue Missing;

    public FieldValue(string text)
    {
        Kind = FieldKind.Text;
        Text = text;
    }

    public FieldValue(JsonElement json)
    {
        Kind = FieldKind.Json;
        Json = json;
    }

    public FieldKind Kind { get; }

    public string? Text { get; }

    public JsonElement Json { get; }

    /// <summary>Gets a value indicating whether this is a string (a text field or a JSON string).</summary>
    public bool IsString => Kind == FieldKind.Text || (Kind == FieldKind.Json && Json.ValueKind == JsonValueKind.String);

    public string? GetString() => Kind == FieldKind.Text ? Text : Kind == FieldKind.Json && Json.ValueKind == JsonValueKind.String ? Json.GetString() : null;
}

/// <summary>The root of a field path.</summary>
internal enum FieldRoot
{
    Id,
    Type,
    Time,
    Title,
    Summary,
    Severity,
    Source,
    Subject,
    CorrelationKey,
    Metadata,
    Data,
}

/// <summary>A compiled dotted path: a root field and, under <c>data</c>, property names or array indexes.</summary>
internal sealed class FieldPath
{
    private static readonly string[] SeverityNames = ["debug", "info", "warning", "error", "critical", "resolved"];
    private readonly FieldRoot _root;
    private readonly string? _metadataKey;
    private readonly string[] _segments;
    private readonly int[] _indexes;

    public FieldPath(FieldRoot root, string? metadataKey, string[] segments)
    {
        _root = root;
        _metadataKey = metadataKey;
        _segments = segments;
        _indexes = new int[segments.Length];
        for (var i = 0; i < segments.Length; i++)
        {
            _indexes[i] = int.TryParse(segments[i], NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : -1;
        }
    }

    /// <summary>The root field names, as written in a filter (compared case-insensitively).</summary>
    public static IReadOnlyList<string> Roots { get; } = ["id", "type", "time", "title", "summary", "severity", "source", "subject", "correlationKey", "metadata", "data"];

    public FieldValue Resolve(WebhookEvent evt)
    {
        switch (_root)
        {
            case FieldRoot.Id:
                return Text(evt.Id);
            case FieldRoot.Type:
                return Text(evt.Type);
            case FieldRoot.Time:
                return evt.OccurredAt is { } at ? new FieldValue(at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)) : FieldValue.Missing;
            case FieldRoot.Title:
                return Text(evt.Title);
            case FieldRoot.Summary:
                return Text(evt.Summary);
            case FieldRoot.Severity:
                return evt.Severity is { } s && (int)s >= 0 && (int)s < SeverityNames.Length ? new FieldValue(SeverityNames[(int)s]) : FieldValue.Missing;
            case FieldRoot.Source:
                return Text(evt.Source);
            case FieldRoot.Subject:
                return Text(evt.Subject);
            case FieldRoot.CorrelationKey:
                return Text(evt.CorrelationKey);
            case FieldRoot.Metadata:
                return evt.Metadata is { } metadata && metadata.TryGetValue(_metadataKey!, out var meta) && meta is not null ? new FieldValue(meta) : FieldValue.Missing;
            default:
                return evt.Data is { } data ? Walk(data) : FieldValue.Missing;
        }
    }

    private static FieldValue Text(string? text) => text is null ? FieldValue.Missing : new FieldValue(text);

    private FieldValue Walk(JsonElement current)
    {
        for (var i = 0; i < _segments.Length; i++)
        {
            if (current.ValueKind == JsonValueKind.Object)
            {
                if (!current.TryGetProperty(_segments[i], out current))
                {
                    return FieldValue.Missing;
                }
            }
            else if (current.ValueKind == JsonValueKind.Array && _indexes[i] >= 0 && _indexes[i] < current.GetArrayLength())
            {
                current = current[_indexes[i]];
            }
            else
            {
                return FieldValue.Missing;
            }
        }

        return current.ValueKind == JsonValueKind.Undefined ? FieldValue.Missing : new FieldValue(current);
    }
}

/// <summary>A literal operand of a condition, with its scalar parts extracted once at compile time.</summary>
internal sealed class Literal
{
    public Literal(JsonElement json)
    {
        Json = json.Clone();
        Kind = json.ValueKind;
        if (Kind == JsonValueKind.String)
        {
            String = json.GetString();
        }
        else if (Kind == JsonValueKind.Number)
        {
            Number = json.GetDouble();
        }
    }

    public JsonValueKind Kind { get; }

    public JsonElement Json { get; }

    public string? String { get; }

    public double Number { get; }

    /// <summary>Equality with a field value: same JSON kind and value; objects and arrays compare deeply.</summary>
    public bool EqualTo(in FieldValue value)
    {
        switch (value.Kind)
        {
            case FieldKind.Text:
                return Kind == JsonValueKind.String && string.Equals(value.Text, String, StringComparison.Ordinal);
            case FieldKind.Json:
                var json = value.Json;
                return json.ValueKind switch
                {
                    JsonValueKind.String => Kind == JsonValueKind.String && json.ValueEquals(String),
                    JsonValueKind.Number => Kind == JsonValueKind.Number && json.TryGetDouble(out var d) && d == Number,
                    JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null => Kind == json.ValueKind,
                    _ => Kind == json.ValueKind && JsonElement.DeepEquals(json, Json),
                };
            default:
                return false;
        }
    }

    /// <summary>Orders a field value against this literal: numbers numerically, strings ordinally; other pairs do not compare.</summary>
    public int? CompareFrom(in FieldValue value)
    {
        if (Kind == JsonValueKind.Number)
        {
            return value.Kind == FieldKind.Json && value.Json.ValueKind == JsonValueKind.Number && value.Json.TryGetDouble(out var d)
                ? d.CompareTo(Number)
                : null;
        }

        if (Kind == JsonValueKind.String && value.IsString)
        {
            return string.CompareOrdinal(value.GetString(), String);
        }

        return null;
    }

    public override string ToString() => Json.GetRawText();
}

/// <summary>One operator applied to a field.</summary>
internal abstract class Condition
{
    public abstract bool Test(in FieldValue value);

    public abstract string Describe();

    internal sealed class Eq(Literal literal) : Condition
    {
        public override bool Test(in FieldValue value) => literal.EqualTo(value);

        public override string Describe() => "must equal " + literal;
    }

    internal sealed class In(Literal[] literals, bool negate) : Condition
    {
        public override bool Test(in FieldValue value)
        {
            if (value.Kind == FieldKind.Missing)
            {
                return negate;
            }

            foreach (var literal in literals)
            {
                if (literal.EqualTo(value))
                {
                    return !negate;
                }
            }

            return negate;
        }

        public override string Describe() => (negate ? "must not be one of [" : "must be one of [") + string.Join(", ", literals.Select(l => l.ToString())) + "]";
    }

    internal sealed class Compare(Literal literal, string op) : Condition
    {
        public override bool Test(in FieldValue value)
        {
            if (literal.CompareFrom(value) is not { } c)
            {
                return false;
            }

            return op switch
            {
                "$gt" => c > 0,
                "$gte" => c >= 0,
                "$lt" => c < 0,
                _ => c <= 0,
            };
        }

        public override string Describe() => op switch
        {
            "$gt" => "must be greater than " + literal,
            "$gte" => "must be at least " + literal,
            "$lt" => "must be less than " + literal,
            _ => "must be at most " + literal,
        };
    }

    internal sealed class Exists(bool expected) : Condition
    {
        public override bool Test(in FieldValue value)
            => (value.Kind != FieldKind.Missing && !(value.Kind == FieldKind.Json && value.Json.ValueKind == JsonValueKind.Null)) == expected;

        public override string Describe() => expected ? "must exist" : "must not exist";
    }

    internal sealed class Contains(Literal literal) : Condition
    {
        public override bool Test(in FieldValue value)
        {
            if (value.Kind == FieldKind.Json && value.Json.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in value.Json.EnumerateArray())
                {
                    if (literal.EqualTo(new FieldValue(item)))
                    {
                        return true;
                    }
                }

                return false;
            }

            return literal.Kind == JsonValueKind.String && value.IsString && value.GetString()!.Contains(literal.String!, StringComparison.Ordinal);
        }

        public override string Describe() => "must contain " + literal;
    }
}

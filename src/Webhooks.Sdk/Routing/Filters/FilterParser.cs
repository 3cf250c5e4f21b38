using System.Text.Json;

namespace Webhooks.Sdk.Routing.Filters;

/// <summary>
/// Parses and checks a filter, collecting every error with its JSON pointer (for example
/// <c>Filter/$or/1/data.count/$gte</c>) instead of stopping at the first.
/// </summary>
internal sealed class FilterParser
{
    private static readonly string[] Operators = ["$eq", "$in", "$nin", "$gt", "$gte", "$lt", "$lte", "$exists", "$contains"];
    private readonly string _field;
    private readonly IList<WebhookValidationError> _errors;

    public FilterParser(string field, IList<WebhookValidationError> errors)
    {
        _field = field;
        _errors = errors;
    }

    public EventFilter.Node? ParseObject(JsonElement obj, string pointer, int depth)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            Error(pointer, $"must be a JSON object of field paths and $and, $or, $not, not {Kind(obj)}");
            return null;
        }

        if (depth > EventFilter.MaxDepth)
        {
            Error(pointer, $"is nested {depth} levels deep; the limit is {EventFilter.MaxDepth}");
            return null;
        }

        var children = new List<EventFilter.Node>();
        foreach (var property in obj.EnumerateObject())
        {
            var name = property.Name;
            var at = pointer + "/" + Escape(name);
            EventFilter.Node? node = name switch
            {
                "$and" or "$or" => ParseList(property.Value, at, depth, name),
                "$not" => ParseObject(property.Value, at, depth + 1) is { } inner ? new EventFilter.NotNode(inner, "$not") : null,
                _ when name.StartsWith('$') => Unknown(at, name),
                _ => ParseField(name, property.Value, at),
            };
            if (node is not null)
            {
                children.Add(node);
            }
        }

        return children.Count == 1 ? children[0] : new EventFilter.AllNode([.. children], string.Empty);
    }

    private EventFilter.Node? Unknown(string at, string name)
    {
        Error(at, $"'{name}' is not an operator here; a filter object holds field paths and $and, $or, $not");
        return null;
    }

    private EventFilter.Node? ParseList(JsonElement value, string at, int depth, string name)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            Error(at, $"must be a non-empty array of filter objects, not {Kind(value)}");
            return null;
        }

        var nodes = new List<EventFilter.Node>();
        var i = 0;
        var ok = true;
        foreach (var item in value.EnumerateArray())
        {
            if (ParseObject(item, at + "/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), depth + 1) is { } node)
            {
                nodes.Add(node);
            }
            else
            {
                ok = false;
            }

            i++;
        }

        if (!ok)
        {
            return null;
        }

        return name == "$and" ? new EventFilter.AllNode([.. nodes], "$and") : new EventFilter.AnyNode([.. nodes], "$or");
    }

    private EventFilter.FieldNode? ParseField(string name, JsonElement value, string at)
    {
        var path = ParsePath(name, at);
        var conditions = new List<Condition>();
        if (value.ValueKind == JsonValueKind.Object)
        {
            var operators = 0;
            var fields = 0;
            foreach (var property in value.EnumerateObject())
            {
                if (property.Name.StartsWith('$'))
                {
                    operators++;
                }
                else
                {
                    fields++;
                }
            }

            if (operators > 0 && fields > 0)
            {
                Error(at, "mixes operators ($…) and field names; write either operators or an object to compare with");
                return null;
            }

            if (operators == 0 && fields == 0)
            {
                Error(at, "is an empty object; use {\"$exists\": true} to require the field");
                return null;
            }

            if (operators > 0)
            {
                foreach (var property in value.EnumerateObject())
                {
                    if (ParseOperator(property.Name, property.Value, at + "/" + Escape(property.Name)) is { } condition)
                    {
                        conditions.Add(condition);
                    }
                }

                return path is not null && conditions.Count == operators ? new EventFilter.FieldNode(path, [.. conditions], name) : null;
            }
        }

        return path is null ? null : new EventFilter.FieldNode(path, [new Condition.Eq(new Literal(value))], name);
    }

    private Condition? ParseOperator(string op, JsonElement value, string at)
    {
        switch (op)
        {
            case "$eq":
                return new Condition.Eq(new Literal(value));
            case "$in" or "$nin":
                if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
                {
                    Error(at, $"must be a non-empty array of values, not {Kind(value)}");
                    return null;
                }

                return new Condition.In([.. value.EnumerateArray().Select(v => new Literal(v))], negate: op == "$nin");
            case "$gt" or "$gte" or "$lt" or "$lte":
                if (value.ValueKind is not (JsonValueKind.Number or JsonValueKind.String))
                {
                    Error(at, $"must be a number or a string, not {Kind(value)}");
                    return null;
                }

                if (value.ValueKind == JsonValueKind.Number && !double.IsFinite(value.GetDouble()))
                {
                    Error(at, "must be a finite number");
                    return null;
                }

                return new Condition.Compare(new Literal(value), op);
            case "$exists":
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    Error(at, $"must be true or false, not {Kind(value)}");
                    return null;
                }

                return new Condition.Exists(value.ValueKind == JsonValueKind.True);
            case "$contains":
                if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                {
                    Error(at, $"must be a string, number, true, false or null, not {Kind(value)}");
                    return null;
                }

                return new Condition.Contains(new Literal(value));
            default:
                Error(at, $"'{op}' is not a known operator; known operators: {string.Join(", ", Operators)}");
                return null;
        }
    }

    private FieldPath? ParsePath(string name, string at)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            Error(at, "is an empty field path");
            return null;
        }

        var dot = name.IndexOf('.', StringComparison.Ordinal);
        var head = dot < 0 ? name : name[..dot];
        var rest = dot < 0 ? null : name[(dot + 1)..];
        var index = -1;
        for (var i = 0; i < FieldPath.Roots.Count; i++)
        {
            if (string.Equals(FieldPath.Roots[i], head, StringComparison.OrdinalIgnoreCase))
            {
                index = i;
            }
        }

        if (index < 0)
        {
            Error(at, $"'{head}' is not an event field; paths start with one of: {string.Join(", ", FieldPath.Roots)}");
            return null;
        }

        var root = (FieldRoot)index;
        switch (root)
        {
            case FieldRoot.Metadata:
                if (string.IsNullOrEmpty(rest))
                {
                    Error(at, "names no metadata key; write metadata.KEY, for example metadata.actor");
                    return null;
                }

                return new FieldPath(root, rest, []);
            case FieldRoot.Data:
                if (rest is null)
                {
                    return new FieldPath(root, null, []);
                }

                var segments = rest.Split('.');
                if (segments.Any(s => s.Length == 0))
                {
                    Error(at, "has an empty segment; write data.a.b or data.items.0.name");
                    return null;
                }

                return new FieldPath(root, null, segments);
            default:
                if (rest is not null)
                {
                    Error(at, $"'{head}' is text and has no fields below it");
                    return null;
                }

                return new FieldPath(root, null, []);
        }
    }

    private void Error(string pointer, string message) => _errors.Add(new(_field + pointer, message));

    /// <summary>Escapes a JSON pointer token (RFC 6901).</summary>
    private static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Webhooks.Sdk.Templates;

/// <summary>How substituted values are escaped.</summary>
internal enum TemplateEscaping
{
    /// <summary>Values are inserted as they are (URLs use <see cref="Url"/>, header values this).</summary>
    None,

    /// <summary>JSON: inside a JSON string a value is JSON-escaped; outside, a text value becomes a JSON string literal.</summary>
    Json,

    /// <summary>Values are percent-encoded (URL paths and query values).</summary>
    Url,

    /// <summary>
    /// HTTP header values: characters outside visible ASCII and space, and <c>%</c>, are written as <c>%XX</c> escapes of
    /// their UTF-8 bytes; literal text is kept.
    /// </summary>
    Header,

    /// <summary>
    /// One URL path segment: like <see cref="Url"/> (so <c>/</c>, <c>?</c> and <c>#</c> are encoded), and a value that is
    /// only dots (<c>.</c>, <c>..</c>) is refused, because no encoding stops URL normalization from reading it as a
    /// dot segment.
    /// </summary>
    PathSegment,
}

/// <summary>Thrown when a rendering would exceed its size limit (raised before the oversized text is built) or a URL field would change the path.</summary>
internal sealed class TemplateRenderException(string message) : Exception(message)
{
}

/// <summary>A template syntax error, with its 1-based line and column.</summary>
internal sealed class TemplateSyntaxException(string message, int line, int column) : Exception($"{message} at line {line}, column {column}")
{
    public int Line { get; } = line;

    public int Column { get; } = column;
}

/// <summary>
/// Field templates: <c>$field</c> and <c>${field}</c> with dotted paths (<c>data.user.name</c>, <c>data.items.0</c>),
/// <c>${field:default}</c> for a fallback, <c>NA</c> for a missing field without default, and <c>$$</c> for a literal
/// <c>$</c>. A <c>$</c> followed by anything else is kept literally.
/// </summary>
internal static class TemplateEngine
{
    public const string Missing = "NA";
    private static readonly ConcurrentDictionary<string, Segment[]> Parsed = new(StringComparer.Ordinal);

    /// <summary>Gets a value indicating whether <paramref name="text"/> contains a variable.</summary>
    public static bool HasVariables(string text) => Parse(text).Any(s => s.Path is not null);

    public static string Render(string template, TemplateValues values, TemplateEscaping escaping)
        => Render(template, values, escaping, null);

    /// <summary>Renders; when <paramref name="map"/> is given, records (output offset, template offset, length) of each literal run.</summary>
    public static string Render(string template, TemplateValues values, TemplateEscaping escaping, List<(int Out, int In, int Length)>? map)
        => Render(template, values, escaping, map, int.MaxValue, null);

    /// <summary>
    /// Renders, failing with <see cref="TemplateRenderException"/> as soon as the output would pass
    /// <paramref name="maxChars"/> characters (before that text is appended, so an oversized rendering is never built).
    /// A field used many times is resolved and escaped once. <paramref name="what"/> names the output in the error.
    /// </summary>
    public static string Render(string template, TemplateValues values, TemplateEscaping escaping, List<(int Out, int In, int Length)>? map, int maxChars, string? what)
    {
        var segments = Parse(template);
        var sb = new StringBuilder(Math.Min(template.Length + 64, maxChars));
        var inString = false;
        var escaped = false;
        Dictionary<(string Path, string? Default, bool InString), string>? memo = null;
        foreach (var segment in segments)
        {
            if (segment.Path is null)
            {
                Append(sb, segment.Text, maxChars, what);
                map?.Add((sb.Length - segment.Text.Length, segment.Offset, segment.Text.Length));
                if (escaping == TemplateEscaping.Json)
                {
                    foreach (var c in segment.Text)
                    {
                        if (escaped)
                        {
                            escaped = false;
                        }
                        else if (c == '\\' && inString)
                        {
                            escaped = true;
                        }
                        else if (c == '"')
                        {
                            inString = !inString;
                        }
                    }
                }

                continue;
            }

            memo ??= new();
            var key = (segment.Path, segment.Default, inString);
            if (!memo.TryGetValue(key, out var piece))
            {
                piece = Substitute(segment, values, escaping, inString);
                memo[key] = piece;
            }

            Append(sb, piece, maxChars, what);
        }

        return sb.ToString();
    }

    private static void Append(StringBuilder sb, string piece, int maxChars, string? what)
    {
        if (piece.Length > maxChars - sb.Length)
        {
            throw new TemplateRenderException($"The rendered {what ?? "text"} is larger than its limit of {maxChars} bytes.");
        }

        sb.Append(piece);
    }

    private static string Substitute(Segment segment, TemplateValues values, TemplateEscaping escaping, bool inString)
    {
        var found = values.TryGet(segment.Path!, out var value);
        if (found && value.ValueKind == JsonValueKind.String && value.GetString()!.Length == 0 && segment.Default is not null)
        {
            found = false;
        }

        switch (escaping)
        {
            case TemplateEscaping.Json when inString:
                return JsonEscape(found ? Text(value) : segment.Default ?? Missing);
            case TemplateEscaping.Json:
                if (!found)
                {
                    return segment.Default ?? "\"" + Missing + "\"";
                }

                return value.ValueKind == JsonValueKind.String ? "\"" + JsonEscape(value.GetString()!) + "\"" : value.GetRawText();
            case TemplateEscaping.Url:
                return Uri.EscapeDataString(found ? Text(value) : segment.Default ?? Missing);
            case TemplateEscaping.PathSegment:
                var text = found ? Text(value) : segment.Default ?? Missing;
                if (text.Length > 0 && text.AsSpan().Trim('.').IsEmpty)
                {
                    // '%2E' is the same as '.' to URL normalization (RFC 3986 6.2.2.2), so no encoding keeps '.' or '..'
                    // from climbing the path: such a value is refused.
                    throw new TemplateRenderException($"The field '{segment.Path}' rendered '{text}', which would change the URL's path; a URL field must not be only dots.");
                }

                return Uri.EscapeDataString(text);
            case TemplateEscaping.Header:
                return Safety.WireText.EncodeHeaderValue(found ? Text(value) : segment.Default ?? Missing);
            default:
                return found ? Text(value) : segment.Default ?? Missing;
        }
    }

    /// <summary>Checks the syntax; throws <see cref="TemplateSyntaxException"/>.</summary>
    public static void Check(string template) => Parse(template);

    /// <summary>Converts a character offset in <paramref name="text"/> to a 1-based (line, column).</summary>
    public static (int Line, int Column) Position(string text, int offset)
    {
        var line = 1;
        var column = 1;
        for (var i = 0; i < offset && i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }

        return (line, column);
    }

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        _ => value.GetRawText(),
    };

    private static string JsonEscape(string value)
    {
        var encoded = JsonEncodedText.Encode(value, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        return encoded.Value;
    }

    private static Segment[] Parse(string template)
    {
        if (Parsed.TryGetValue(template, out var cached))
        {
            return cached;
        }

        var segments = new List<Segment>();
        var literal = new StringBuilder();
        var literalStart = 0;
        var i = 0;
        void Flush(int next)
        {
            if (literal.Length > 0)
            {
                segments.Add(new Segment(literal.ToString(), literalStart, null, null));
                literal.Clear();
            }

            literalStart = next;
        }

        while (i < template.Length)
        {
            var c = template[i];
            if (c != '$' || i + 1 >= template.Length)
            {
                if (literal.Length == 0)
                {
                    literalStart = i;
                }

                literal.Append(c);
                i++;
                continue;
            }

            var next = template[i + 1];
            if (next == '$')
            {
                if (literal.Length == 0)
                {
                    literalStart = i;
                }

                literal.Append('$');
                i += 2;
                continue;
            }

            if (next == '{')
            {
                var close = -1;
                var depth = 0;
                for (var j = i + 2; j < template.Length; j++)
                {
                    if (template[j] == '{')
                    {
                        depth++;
                    }
                    else if (template[j] == '}' && depth-- == 0)
                    {
                        close = j;
                        break;
                    }
                }

                if (close < 0)
                {
                    var (l, col) = Position(template, i);
                    throw new TemplateSyntaxException("'${' is not closed by '}'", l, col);
                }

                var inner = template.AsSpan(i + 2, close - i - 2);
                var colon = inner.IndexOf(':');
                var path = (colon >= 0 ? inner[..colon] : inner).Trim().ToString();
                string? fallback = colon >= 0 ? inner[(colon + 1)..].ToString() : null;
                if (!IsPath(path))
                {
                    var (l, col) = Position(template, i + 2);
                    throw new TemplateSyntaxException($"'{path}' is not a field name (letters, digits, '_', '-' and dots)", l, col);
                }

                Flush(close + 1);
                segments.Add(new Segment(template[i..(close + 1)], i, path, fallback));
                i = close + 1;
                continue;
            }

            if (char.IsAsciiLetter(next) || next == '_')
            {
                var end = i + 1;
                while (end < template.Length && (char.IsAsciiLetterOrDigit(template[end]) || template[end] is '_' or '.'))
                {
                    end++;
                }

                while (template[end - 1] == '.')
                {
                    end--;
                }

                Flush(end);
                segments.Add(new Segment(template[i..end], i, template[(i + 1)..end], null));
                i = end;
                continue;
            }

            if (literal.Length == 0)
            {
                literalStart = i;
            }

            literal.Append(c);
            i++;
        }

        Flush(i);
        var result = segments.ToArray();
        if (Parsed.Count > 1024)
        {
            Parsed.Clear();
        }

        Parsed[template] = result;
        return result;
    }

    private static bool IsPath(string path)
    {
        if (path.Length == 0 || path[0] == '.' || path[^1] == '.' || path.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in path)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    private sealed record Segment(string Text, int Offset, string? Path, string? Default);
}

/// <summary>The fields a template can use, resolved from the event (and the correlation id).</summary>
internal sealed class TemplateValues
{
    private readonly WebhookEvent _event;
    private readonly string? _correlationId;

    public TemplateValues(WebhookEvent evt, string? correlationId)
    {
        _event = evt;
        _correlationId = correlationId;
    }

    public static TemplateValues From(WebhookFormatContext context) => new(context.Event, context.CorrelationId);

    /// <summary>The top-level field names (for documentation and the "all fields" template).</summary>
    public static IReadOnlyList<string> Fields { get; } =
        ["id", "type", "time", "title", "summary", "severity", "source", "subject", "correlationKey", "correlationId", "headline", "data", "metadata"];

    public bool TryGet(string path, out JsonElement value)
    {
        var dot = path.IndexOf('.', StringComparison.Ordinal);
        var head = dot < 0 ? path : path[..dot];
        var rest = dot < 0 ? null : path[(dot + 1)..];
        value = default;
        var evt = _event;
        string? text = head.ToLowerInvariant() switch
        {
            "id" => evt.Id,
            "type" => evt.Type,
            "time" or "timestamp" => evt.OccurredAt?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            "title" => evt.Title,
            "summary" => evt.Summary,
            "severity" => evt.Severity is null ? null : Formatting.SeverityMap.Name(evt),
            "source" => evt.Source,
            "subject" => evt.Subject,
            "correlationkey" => evt.CorrelationKey,
            "correlationid" => string.IsNullOrEmpty(_correlationId) ? null : _correlationId,
            "headline" => Formatting.FormatKit.Headline(evt),
            _ => null,
        };
        if (head.Equals("data", StringComparison.OrdinalIgnoreCase))
        {
            return evt.Data is { } data && Walk(data, rest, out value);
        }

        if (head.Equals("metadata", StringComparison.OrdinalIgnoreCase))
        {
            if (rest is null || evt.Metadata is null || !evt.Metadata.TryGetValue(rest, out var meta))
            {
                return false;
            }

            value = JsonSerializer.SerializeToElement(meta);
            return true;
        }

        if (text is null || rest is not null)
        {
            return false;
        }

        value = JsonSerializer.SerializeToElement(text);
        return true;
    }

    private static bool Walk(JsonElement current, string? rest, out JsonElement value)
    {
        value = current;
        if (rest is null)
        {
            return current.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null);
        }

        foreach (var part in rest.Split('.'))
        {
            if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty(part, out var child))
            {
                value = child;
            }
            else if (value.ValueKind == JsonValueKind.Array && int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < value.GetArrayLength())
            {
                value = value[index];
            }
            else
            {
                return false;
            }
        }

        return value.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null);
    }
}

using System.Globalization;
using System.Text;

namespace Webhooks.Sdk.Formatting;

/// <summary>
/// Length limits that never split a character: cuts fall on text-element (grapheme) boundaries, so a surrogate pair,
/// an emoji with modifiers or a letter with combining marks is kept whole or dropped whole.
/// </summary>
internal static class TextLimits
{
    /// <summary>The ellipsis appended inside the budget when text is cut.</summary>
    public const string Ellipsis = "…";

    /// <summary>Cuts <paramref name="text"/> to at most <paramref name="maxChars"/> UTF-16 code units, ellipsis included.</summary>
    public static string Truncate(string? text, int maxChars, string ellipsis = Ellipsis)
    {
        text ??= string.Empty;
        if (text.Length <= maxChars)
        {
            return text;
        }

        if (maxChars <= ellipsis.Length)
        {
            return CutAtElement(text, maxChars);
        }

        return string.Concat(CutAtElement(text, maxChars - ellipsis.Length), ellipsis);
    }

    /// <summary>Cuts <paramref name="text"/> so that its UTF-8 encoding is at most <paramref name="maxBytes"/> bytes, ellipsis included.</summary>
    public static string TruncateUtf8(string? text, int maxBytes, string ellipsis = Ellipsis)
    {
        text ??= string.Empty;
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        var budget = maxBytes - Encoding.UTF8.GetByteCount(ellipsis);
        if (budget < 0)
        {
            budget = maxBytes;
            ellipsis = string.Empty;
        }

        var used = 0;
        var end = 0;
        while (end < text.Length)
        {
            var length = StringInfo.GetNextTextElementLength(text.AsSpan(end));
            var bytes = Encoding.UTF8.GetByteCount(text.AsSpan(end, length));
            if (used + bytes > budget)
            {
                break;
            }

            used += bytes;
            end += length;
        }

        return string.Concat(text.AsSpan(0, end), ellipsis);
    }

    /// <summary>Splits text into chunks of at most <paramref name="maxChars"/> code units, on element boundaries, preferring line breaks.</summary>
    public static List<string> Split(string text, int maxChars)
    {
        var parts = new List<string>();
        var start = 0;
        while (text.Length - start > maxChars)
        {
            var piece = CutAtElement(text.Substring(start, maxChars + 1 > text.Length - start ? text.Length - start : maxChars + 1), maxChars);
            var newline = piece.LastIndexOf('\n');
            if (newline > maxChars / 2)
            {
                piece = piece[..(newline + 1)];
            }

            parts.Add(piece);
            start += piece.Length;
        }

        if (start < text.Length || parts.Count == 0)
        {
            parts.Add(text[start..]);
        }

        return parts;
    }

    private static string CutAtElement(string text, int maxChars)
    {
        var end = 0;
        while (end < text.Length)
        {
            var length = StringInfo.GetNextTextElementLength(text.AsSpan(end));
            if (end + length > maxChars)
            {
                break;
            }

            end += length;
        }

        return text[..end];
    }
}

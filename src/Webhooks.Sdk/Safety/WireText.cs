using System.Text;

namespace Webhooks.Sdk.Safety;

/// <summary>
/// The character sets of values that travel in HTTP headers and signed content: event types and ids (checked at
/// publish) and header values that can carry event data (percent-encoded before sending).
/// </summary>
internal static class WireText
{
    /// <summary>The longest event type or id.</summary>
    public const int MaxNameLength = 200;

    /// <summary>The allowed characters of an event type, for error messages and docs.</summary>
    public const string TypeCharacters = "ASCII letters, digits, '.', '_', '-', ':' and '/'";

    /// <summary>The allowed characters of an event id, for error messages and docs.</summary>
    public const string IdCharacters = "visible ASCII characters (U+0021 to U+007E) except '.'";

    /// <summary>Gets a value indicating whether <paramref name="type"/> is a valid event type (1 to 200 of <see cref="TypeCharacters"/>).</summary>
    public static bool IsValidType(string? type)
    {
        if (string.IsNullOrEmpty(type) || type.Length > MaxNameLength)
        {
            return false;
        }

        foreach (var c in type)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-' or ':' or '/'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Gets a value indicating whether <paramref name="id"/> is a valid event id (1 to 200 of <see cref="IdCharacters"/>).</summary>
    public static bool IsValidId(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxNameLength)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (c is < '!' or > '~' or '.')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Gets a value indicating whether <paramref name="value"/> can be sent as an HTTP header value as it is (visible ASCII, space and tab).</summary>
    public static bool IsHeaderSafe(string value)
    {
        foreach (var c in value)
        {
            if (c is not ('\t' or (>= ' ' and <= '~')))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Encodes a header value that can carry event data: every character outside visible ASCII and space, and every
    /// <c>%</c>, is written as the <c>%XX</c> escapes of its UTF-8 bytes (upper-case hex, as CloudEvents binary mode
    /// does), so the value is decoded with any URL-decoding function. A value without such characters is unchanged.
    /// </summary>
    public static string EncodeHeaderValue(string value)
    {
        var clean = true;
        foreach (var c in value)
        {
            if (c is < ' ' or > '~' or '%')
            {
                clean = false;
                break;
            }
        }

        if (clean)
        {
            return value;
        }

        var sb = new StringBuilder(value.Length + 16);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is >= ' ' and <= '~' and not '%')
            {
                sb.Append(c);
                continue;
            }

            Rune rune;
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                rune = new Rune(c, value[i + 1]);
                i++;
            }
            else
            {
                rune = Rune.IsValid(c) ? new Rune(c) : Rune.ReplacementChar;
            }

            var n = rune.EncodeToUtf8(utf8);
            for (var b = 0; b < n; b++)
            {
                sb.Append('%').Append(utf8[b].ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }
}

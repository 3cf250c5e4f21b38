namespace Webhooks.Sdk.Internal;

/// <summary>Removes what must never reach a log line, an exception or stored history.</summary>
internal static class Redaction
{
    public const string Mask = "***";

    /// <summary>
    /// The URL as it may be shown: scheme, host and port only. The path and the query are replaced by
    /// <c>/***</c> (Slack, Discord, Feishu and others carry their credential in the path, Google Chat in the query),
    /// user-info and fragment are dropped. This is the one function every log line, history error and exception
    /// message uses for a destination URL.
    /// </summary>
    public static string Url(string url)
    {
        if (url is null)
        {
            return string.Empty;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            var scheme = url.IndexOf("://", StringComparison.Ordinal);
            var start = scheme < 0 ? 0 : scheme + 3;
            var cut = url.IndexOfAny(['/', '?', '#'], start);
            var at = url.LastIndexOf('@', cut < 0 ? url.Length - 1 : cut);
            var head = at >= start ? url[..start] + url[(at + 1)..(cut < 0 ? url.Length : cut)] : url[..(cut < 0 ? url.Length : cut)];
            return cut < 0 || url.Length - cut <= 1 ? head + (cut < 0 ? string.Empty : "/") : head + "/" + Mask;
        }

        return Url(uri);
    }

    /// <inheritdoc cref="Url(string)"/>
    public static string Url(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri)
        {
            return Url(uri.OriginalString);
        }

        var head = uri.GetComponents(UriComponents.Scheme | UriComponents.Host | UriComponents.Port, UriFormat.UriEscaped);
        var hidden = uri.AbsolutePath.Length > 1 || uri.Query.Length > 0;
        return head + (hidden ? "/" + Mask : "/");
    }

    /// <summary>
    /// An error text with every occurrence of the URL, of its path and of its query replaced: the URL by its redacted
    /// form, the path and query by <c>***</c>.
    /// </summary>
    public static string Error(string message, Uri? url)
    {
        if (url is null || string.IsNullOrEmpty(message))
        {
            return message;
        }

        if (!url.IsAbsoluteUri)
        {
            return message.Replace(url.OriginalString, Url(url), StringComparison.Ordinal);
        }

        var shown = Url(url);
        var redacted = message.Replace(url.OriginalString, shown, StringComparison.Ordinal)
            .Replace(url.AbsoluteUri, shown, StringComparison.Ordinal);
        foreach (var part in new[] { url.PathAndQuery, Uri.UnescapeDataString(url.PathAndQuery), url.AbsolutePath, Uri.UnescapeDataString(url.AbsolutePath), url.Query })
        {
            if (part.Length > 1)
            {
                redacted = redacted.Replace(part, "/" + Mask, StringComparison.Ordinal);
            }
        }

        return redacted;
    }
}

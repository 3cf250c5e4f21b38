namespace Webhooks.Sdk.Internal;

/// <summary>Removes what must never reach a log line, an exception or stored history.</summary>
internal static class Redaction
{
    public const string Mask = "***";

    /// <summary>The URL without user-info, query or fragment (they may carry tokens).</summary>
    public static string Url(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            var cut = url.IndexOfAny(['?', '#']);
            return cut < 0 ? url : url[..cut] + "?" + Mask;
        }

        return Url(uri);
    }

    public static string Url(Uri uri)
    {
        var text = uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
        return string.IsNullOrEmpty(uri.Query) ? text : text + "?" + Mask;
    }

    /// <summary>An error text with every occurrence of the URL (and of its query) replaced by the redacted URL.</summary>
    public static string Error(string message, Uri? url)
    {
        if (url is null || string.IsNullOrEmpty(message))
        {
            return message;
        }

        var redacted = message.Replace(url.OriginalString, Url(url), StringComparison.Ordinal)
            .Replace(url.AbsoluteUri, Url(url), StringComparison.Ordinal);
        if (url.Query.Length > 1)
        {
            redacted = redacted.Replace(url.Query, "?" + Mask, StringComparison.Ordinal);
        }

        return redacted;
    }
}

using System.Globalization;

namespace Webhooks.Sdk.AspNetCore.Dashboard;

/// <summary>What every page needs: where the mount root is (relative), who is looking, and the antiforgery token.</summary>
internal sealed class DashboardPage
{
    /// <summary>Initializes a new instance of the <see cref="DashboardPage"/> class.</summary>
    public DashboardPage(int depth, bool canWrite, string? antiforgeryField, string? antiforgeryToken)
    {
        Root = depth == 0 ? "./" : string.Concat(Enumerable.Repeat("../", depth));
        CanWrite = canWrite;
        AntiforgeryField = antiforgeryField;
        AntiforgeryToken = antiforgeryToken;
    }

    /// <summary>Gets the relative path from the current page to the mount root, ending with a slash.</summary>
    public string Root { get; }

    /// <summary>Gets a value indicating whether the user may write (write controls are rendered only then).</summary>
    public bool CanWrite { get; }

    /// <summary>Gets the antiforgery form field name.</summary>
    public string? AntiforgeryField { get; }

    /// <summary>Gets the antiforgery request token.</summary>
    public string? AntiforgeryToken { get; }

    /// <summary>A link relative to the mount root.</summary>
    public string Link(string path) => Root + path;

    /// <summary>The hidden antiforgery input of a POST form.</summary>
    public Html Antiforgery()
    {
        if (AntiforgeryField is null || AntiforgeryToken is null)
        {
            return Html.Raw(string.Empty);
        }

        return new HtmlWriter().W($"<input type=\"hidden\" name=\"{AntiforgeryField}\" value=\"{AntiforgeryToken}\">").ToHtml();
    }

    /// <summary>Escapes an id for a URL path segment.</summary>
    public static string Seg(string id) => Uri.EscapeDataString(id);

    /// <summary>A time for people and machines.</summary>
    public static Html Time(DateTimeOffset? value)
    {
        if (value is null)
        {
            return Html.Raw("<span class=\"muted\">never</span>");
        }

        var utc = value.Value.ToUniversalTime();
        return new HtmlWriter().W($"<time datetime=\"{utc.ToString("O", CultureInfo.InvariantCulture)}\">{utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC</time>").ToHtml();
    }

    /// <summary>A duration in milliseconds.</summary>
    public static string Ms(TimeSpan duration) => duration.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";

    /// <summary>Host (and port) of a URL only: a path or query can carry a credential.</summary>
    public static string HostOf(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? (uri.IsDefaultPort ? uri.Host : uri.Host + ":" + uri.Port.ToString(CultureInfo.InvariantCulture)) : "(invalid URL)";

    /// <summary>Wraps the page body in the layout.</summary>
    public string Layout(string title, string nav, Html body)
    {
        var w = new HtmlWriter();
        w.W($"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">
            <title>{title} · Webhooks</title>
            <link rel="icon" href="{Link("assets/icon.svg")}" type="image/svg+xml">
            <link rel="stylesheet" href="{Link("assets/dashboard.css")}">
            <script src="{Link("assets/dashboard.js")}" defer></script>
            </head>
            <body>
            <a class="skip" href="#main">Skip to content</a>
            <header class="top">
            <span class="brand">Webhooks</span>
            <nav aria-label="Sections"><ul>
            """);
        foreach (var (key, label, href) in new[] { ("overview", "Overview", ""), ("destinations", "Destinations", "destinations"), ("send", "Send an event", "send"), ("event-types", "Event types", "event-types") })
        {
            if (key == "send" && !CanWrite)
            {
                continue;
            }

            var current = key == nav ? Html.Raw(" aria-current=\"page\"") : Html.Raw(string.Empty);
            w.W($"<li><a href=\"{(href.Length == 0 ? Root : Link(href))}\"{current}>{label}</a></li>");
        }

        w.W($"</ul></nav>");
        if (!CanWrite)
        {
            w.W($"<span class=\"badge\">Read-only</span>");
        }

        w.W($"</header>\n<main id=\"main\" tabindex=\"-1\">\n{body}\n</main>\n</body>\n</html>\n");
        return w.ToString();
    }
}

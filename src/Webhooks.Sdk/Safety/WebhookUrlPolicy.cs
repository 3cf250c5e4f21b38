namespace Webhooks.Sdk.Safety;

/// <summary>
/// The default outbound address policy (the SSRF guard): https only, no user-info, no loopback names or single-label
/// names, no IP literal in a refused range, and no name with any address in a refused range. The development opt-ins in
/// <see cref="WebhookSafetyOptions"/> relax it.
/// </summary>
internal sealed class WebhookUrlPolicy : IWebhookUrlPolicy
{
    private readonly OutboundGuard _guard;
    private readonly Microsoft.Extensions.Logging.ILogger _logger;

    public WebhookUrlPolicy(OutboundGuard guard, Microsoft.Extensions.Logging.ILogger<WebhookUrlPolicy> logger)
    {
        _guard = guard;
        _logger = logger;
    }

    public async ValueTask<WebhookUrlVerdict> EvaluateAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri)
        {
            return WebhookUrlVerdict.Refuse(WebhookUrlRules.InvalidHost, "the URL is not absolute");
        }

        var isHttp = url.Scheme is "http" or "https";
        if (url.Scheme == Uri.UriSchemeHttp && !_guard.AllowHttp)
        {
            return WebhookUrlVerdict.Refuse(WebhookUrlRules.HttpsOnly, "plain http is refused; use https");
        }

        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            return WebhookUrlVerdict.Refuse(WebhookUrlRules.UserInfo, "URLs with user-info (user:password@) are refused; use an auth method instead");
        }

        if (string.IsNullOrEmpty(url.IdnHost))
        {
            return isHttp
                ? WebhookUrlVerdict.Refuse(WebhookUrlRules.InvalidHost, "the URL has no host")
                : WebhookUrlVerdict.Allow;
        }

        var judgement = await _guard.JudgeHostAsync(url.IdnHost, cancellationToken).ConfigureAwait(false);
        if (judgement.Verdict.Detail is { } detail)
        {
            Log.UrlRefused(_logger, url.IdnHost, judgement.Verdict.Rule, detail);
        }

        return judgement.Verdict;
    }
}

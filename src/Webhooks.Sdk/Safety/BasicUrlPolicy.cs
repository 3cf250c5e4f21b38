using Microsoft.Extensions.Options;

namespace Webhooks.Sdk.Safety;

/// <summary>The scheme and user-info rules every URL passes: https only (unless plain http is allowed for development), no user-info.</summary>
internal sealed class BasicUrlPolicy : IWebhookUrlPolicy
{
    private readonly IOptions<WebhooksOptions> _options;

    public BasicUrlPolicy(IOptions<WebhooksOptions> options) => _options = options;

    public ValueTask<WebhookUrlVerdict> EvaluateAsync(Uri url, CancellationToken cancellationToken)
    {
        if (url.Scheme == Uri.UriSchemeHttp && !_options.Value.Safety.DangerouslyAllowHttp)
        {
            return ValueTask.FromResult(WebhookUrlVerdict.Refuse("https-only", "plain http is refused; use https (or set Safety.DangerouslyAllowHttp for local development)"));
        }

        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            return ValueTask.FromResult(WebhookUrlVerdict.Refuse("user-info", "URLs with user-info (user:password@) are refused; use the Basic auth method"));
        }

        return ValueTask.FromResult(WebhookUrlVerdict.Allow);
    }
}

using Microsoft.Extensions.Options;

namespace Webhooks.Sdk.Safety;

/// <summary>Validates the safety options at start; each message names the field.</summary>
internal sealed class SafetyOptionsValidator : IValidateOptions<WebhooksOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhooksOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var safety = options.Safety;
        foreach (var network in safety.DangerouslyAllowedNetworks ?? [])
        {
            if (!OutboundGuard.TryParseNetwork(network, out _))
            {
                errors.Add($"Safety.DangerouslyAllowedNetworks: '{network}' is not a network in CIDR form (for example 127.0.0.0/8 or ::1/128).");
            }
        }

        if (safety.Proxy is { IsAbsoluteUri: true } proxy && (proxy.Scheme != Uri.UriSchemeHttp || string.IsNullOrEmpty(proxy.Host)))
        {
            errors.Add("Safety.Proxy must be an http:// URI of a forward proxy that supports CONNECT, for example http://proxy.internal:3128.");
        }

        if (safety.MaxRenderedBodyBytes < 1024)
        {
            errors.Add($"Safety.MaxRenderedBodyBytes must be at least 1024, not {safety.MaxRenderedBodyBytes}.");
        }

        if (safety.MaxTemplateLength < 256)
        {
            errors.Add($"Safety.MaxTemplateLength must be at least 256, not {safety.MaxTemplateLength}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

using System.Net;

namespace Webhooks.Sdk;

/// <summary>
/// Judges whether the library may send to a URL (the SSRF guard). Applied when a destination is saved, before a test
/// delivery and in <c>EnqueueToAsync</c>. Replacing it changes those checks only: the connect-time check of the library's HTTP
/// handler always applies the built-in address rules (see <see cref="WebhookUrlRules"/>).
/// </summary>
public interface IWebhookUrlPolicy
{
    /// <summary>Judges a destination URL: scheme, user-info, host name and every address the name resolves to.</summary>
    /// <param name="url">The absolute URL.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The verdict.</returns>
    ValueTask<WebhookUrlVerdict> EvaluateAsync(Uri url, CancellationToken cancellationToken);
}

/// <summary>The verdict on a URL or address.</summary>
/// <param name="Allowed">Whether it may be used.</param>
/// <param name="Rule">The name of the rule that refused it (one of <see cref="WebhookUrlRules"/>, for example <c>private</c>), when refused.</param>
/// <param name="Reason">A one-line explanation, when refused.</param>
public sealed record WebhookUrlVerdict(bool Allowed, string? Rule = null, string? Reason = null)
{
    /// <summary>Gets the verdict that allows.</summary>
    public static WebhookUrlVerdict Allow { get; } = new(true);

    /// <summary>Creates a refusal.</summary>
    /// <param name="rule">The rule name.</param>
    /// <param name="reason">The explanation.</param>
    /// <returns>The verdict.</returns>
    /// <remarks>A refusal that a development opt-in would lift names that opt-in, in its code and configuration forms.</remarks>
    public static WebhookUrlVerdict Refuse(string rule, string reason) => new(false, rule, reason + DevelopmentHint(rule, reason));

    private static string DevelopmentHint(string rule, string reason)
    {
        const string Loopback = "; for a local receiver during development, opt in with options.Safety.DangerouslyAllowLoopbackForDevelopment() "
            + "or the configuration value Webhooks:Safety:AllowLoopbackForDevelopment = true (logged as a warning at start)";
        const string Private = "; for a receiver on your local network during development, opt in with options.Safety.DangerouslyAllowPrivateNetworksForDevelopment() "
            + "or the configuration value Webhooks:Safety:AllowPrivateNetworksForDevelopment = true (logged as a warning at start)";
        if (reason.Contains("Safety.", StringComparison.Ordinal))
        {
            return string.Empty; // already names the setting
        }

        return rule switch
        {
            WebhookUrlRules.HttpsOnly or WebhookUrlRules.Localhost or WebhookUrlRules.Loopback => Loopback,
            WebhookUrlRules.Private or WebhookUrlRules.SingleLabel => Private,
            WebhookUrlRules.DnsPrivate when reason.Contains("(rule 'loopback')", StringComparison.Ordinal) => Loopback,
            WebhookUrlRules.DnsPrivate when reason.Contains("(rule 'private')", StringComparison.Ordinal) => Private,
            _ => string.Empty,
        };
    }

    /// <summary>Gets the operator-facing explanation (for logs only), which may name the resolved address; <see cref="Reason"/> never does.</summary>
    internal string? Detail { get; init; }
}

/// <summary>Thrown when a URL is refused by the <see cref="IWebhookUrlPolicy"/>.</summary>
public sealed class WebhookUrlRefusedException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="WebhookUrlRefusedException"/> class.</summary>
    public WebhookUrlRefusedException()
        : base("The URL was refused.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WebhookUrlRefusedException"/> class.</summary>
    /// <param name="message">The message.</param>
    public WebhookUrlRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WebhookUrlRefusedException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public WebhookUrlRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WebhookUrlRefusedException"/> class.</summary>
    /// <param name="verdict">The refusal.</param>
    public WebhookUrlRefusedException(WebhookUrlVerdict verdict)
        : base($"The URL was refused by rule '{verdict?.Rule}': {verdict?.Reason}")
    {
        Verdict = verdict;
    }

    /// <summary>Gets the refusal.</summary>
    public WebhookUrlVerdict? Verdict { get; }
}

/// <summary>Resolves host names. Replaceable so tests can script answers.</summary>
public interface IWebhookDnsResolver
{
    /// <summary>Resolves a host name to its addresses.</summary>
    /// <param name="host">The host name.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The addresses.</returns>
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}

using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Routing;

namespace Webhooks.Sdk.Destinations;

/// <summary>Checks a destination definition and reports every bad field at once.</summary>
internal sealed partial class DestinationValidator
{
    private readonly FormatterRegistry _formatters;
    private readonly AuthenticatorRegistry _authenticators;
    private readonly IWebhookUrlPolicy _urlPolicy;
    private readonly Safety.OutboundGuard? _guard;
    private readonly IOptions<WebhooksOptions> _options;
    private readonly TransportRegistry _transports;
    private readonly WebhookEventCatalog? _catalog;

    public DestinationValidator(FormatterRegistry formatters, AuthenticatorRegistry authenticators, IWebhookUrlPolicy urlPolicy, IOptions<WebhooksOptions> options, TransportRegistry transports, IWebhookEventCatalog? catalog = null, Safety.OutboundGuard? guard = null)
    {
        _guard = guard;
        _catalog = catalog as WebhookEventCatalog;
        _formatters = formatters;
        _authenticators = authenticators;
        _urlPolicy = urlPolicy;
        _options = options;
        _transports = transports;
    }

    /// <summary>Starts the message of a URL whose host name could not be resolved right now.</summary>
    private static readonly string DnsFailureMessage = $"refused by rule '{WebhookUrlRules.DnsFailure}'";

    /// <summary>
    /// Gets a value indicating whether an error comes from the environment at this moment (a DNS failure, a
    /// certificate's validity period) rather than from the definition itself: a destination declared in configuration
    /// is then retried in the background instead of failing the start.
    /// </summary>
    public static bool IsTransient(WebhookValidationError error)
        => error.Message.StartsWith(DnsFailureMessage, StringComparison.Ordinal)
            || error.Message.StartsWith(Auth.MutualTlsAuthenticator.ExpiredMessage, StringComparison.Ordinal);

    public async Task ValidateAsync(WebhookDestinationDefinition d, CancellationToken cancellationToken)
    {
        var errors = new List<WebhookValidationError>();
        if (d.Id is not null && !IdPattern().IsMatch(d.Id))
        {
            errors.Add(new("Id", "must be 1 to 64 letters, digits, '-', '_' or '.'"));
        }

        if (string.IsNullOrWhiteSpace(d.Name))
        {
            errors.Add(new("Name", "is required"));
        }
        else if (d.Name.Length > 200)
        {
            errors.Add(new("Name", "must be at most 200 characters"));
        }

        ValidatePrivateNetworks(d, errors);
        await ValidateUrlAsync(d.Url, "Url", errors, cancellationToken, d.AllowedPrivateNetworks).ConfigureAwait(false);
        if (Uri.TryCreate(d.Url?.Trim(), UriKind.Absolute, out var target) && _transports.TryGet(target.Scheme, out var transport))
        {
            transport.Validate(d, target, errors);
        }

        var method = d.Method?.Trim().ToUpperInvariant();
        if (method is not ("POST" or "PUT"))
        {
            errors.Add(new("Method", $"must be POST or PUT, not '{d.Method}'"));
        }

        IWebhookFormatter? formatter = null;
        if (string.IsNullOrWhiteSpace(d.Format) || !_formatters.TryGet(d.Format.Trim(), out formatter))
        {
            errors.Add(new("Format", $"'{d.Format}' is not a known format; known formats: {string.Join(", ", _formatters.Names)}"));
        }

        if (d.RetryCount is < 0 or > 10)
        {
            errors.Add(new("RetryCount", $"must be between 0 and 10, not {d.RetryCount}"));
        }

        if (d.AttemptTimeout < TimeSpan.FromSeconds(1) || d.AttemptTimeout > TimeSpan.FromSeconds(30))
        {
            errors.Add(new("AttemptTimeout", $"must be between 1 and 30 seconds, not {d.AttemptTimeout.TotalSeconds:0.###} s"));
        }

        ValidateHeaders(d.Headers, "Headers", errors);

        foreach (var pattern in d.Subscriptions ?? [])
        {
            if (SubscriptionSet.Validate(pattern) is { } problem)
            {
                errors.Add(new("Subscriptions", problem));
            }
            else if (_catalog?.CheckSubscription(pattern) is { } unknown)
            {
                errors.Add(new("Subscriptions", unknown));
            }
        }

        if (d.RateLimit is { } limit)
        {
            // Bounded so the token arithmetic (seconds per token, refill) can never overflow a TimeSpan.
            if (!(limit.PerSecond >= 0.001) || !(limit.PerSecond <= 1_000_000))
            {
                errors.Add(new("RateLimit.PerSecond", "must be between 0.001 and 1000000"));
            }

            if (limit.Burst is < 1 or > 1_000_000)
            {
                errors.Add(new("RateLimit.Burst", "must be between 1 and 1000000"));
            }
        }

        if (d.Correlation is { } correlation)
        {
            if (string.IsNullOrWhiteSpace(correlation.IdPath))
            {
                errors.Add(new("Correlation.IdPath", "is required"));
            }

            if (correlation.UpdateMethod?.Trim().ToUpperInvariant() is not ("PUT" or "PATCH"))
            {
                errors.Add(new("Correlation.UpdateMethod", $"must be PUT or PATCH, not '{correlation.UpdateMethod}'"));
            }

            if (string.IsNullOrWhiteSpace(correlation.UpdateUrl))
            {
                errors.Add(new("Correlation.UpdateUrl", "is required"));
            }
        }

        if (d.Auth is { } auth)
        {
            if (_authenticators.TryGet(auth.Kind, out var authenticator))
            {
                authenticator.Validate(auth, errors);
            }
            else
            {
                errors.Add(new("Auth", $"auth kind '{auth.Kind}' is not registered"));
            }
        }

        if (d.Filter is { } filter)
        {
            Routing.Filters.EventFilter.Compile(filter, "Filter", errors);
        }

        foreach (var (name, value) in d.FormatSettings ?? new Dictionary<string, string>())
        {
            if (value is not null && value.Length > _options.Value.Safety.MaxTemplateLength)
            {
                errors.Add(new($"FormatSettings[{name}]", $"is {value.Length} characters long; the limit is {_options.Value.Safety.MaxTemplateLength} (Safety.MaxTemplateLength)"));
            }
        }

        formatter?.Validate(d, errors);
        Templates.TemplateValidation.Validate(d, errors, _options.Value.Safety.MaxTemplateLength);

        if (errors.Count > 0)
        {
            throw new WebhookValidationException(errors);
        }
    }

    /// <summary>A destination's own private-network allow-list: syslog collectors only, private ranges only.</summary>
    public static void ValidatePrivateNetworks(WebhookDestinationDefinition d, IList<WebhookValidationError> errors)
    {
        if (d.AllowedPrivateNetworks is not { Count: > 0 } networks)
        {
            return;
        }

        if (!Uri.TryCreate(d.Url?.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not (Transport.SyslogTransport.TlsScheme or Transport.SyslogTransport.TcpScheme))
        {
            errors.Add(new("AllowedPrivateNetworks", "applies to syslog collectors (syslog+tls:// or syslog+tcp://) only"));
        }

        for (var i = 0; i < networks.Count; i++)
        {
            if (Safety.OutboundGuard.ValidatePrivateNetwork(networks[i], out _) is { } problem)
            {
                errors.Add(new($"AllowedPrivateNetworks[{i}]", problem));
            }
        }
    }

    public async Task ValidateUrlAsync(string? url, string field, IList<WebhookValidationError> errors, CancellationToken cancellationToken, IReadOnlyList<string>? privateNetworks = null)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            errors.Add(new(field, "is required"));
            return;
        }

        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host) && uri.Scheme is "http" or "https")
        {
            errors.Add(new(field, "is not a valid absolute URL"));
            return;
        }

        if (uri.Scheme is not ("http" or "https") && !_transports.TryGet(uri.Scheme, out _))
        {
            errors.Add(new(field, $"scheme '{uri.Scheme}' is not supported; use https"));
            return;
        }

        if (uri.Scheme == Transport.SyslogTransport.TcpScheme && !Transport.SyslogTransport.IsLoopbackHost(uri.IdnHost) && !Transport.SyslogTransport.AllowsPlaintext(uri))
        {
            errors.Add(new(field, $"refused by rule '{WebhookUrlRules.PlaintextTransport}': syslog+tcp:// sends event data unencrypted; use syslog+tls://, or add '?plaintext=allow' to the URL to accept plain TCP for this destination"));
            return;
        }

        var verdict = await _urlPolicy.EvaluateAsync(uri, cancellationToken).ConfigureAwait(false);
        if (!verdict.Allowed && privateNetworks is { Count: > 0 } && _guard is not null && uri.Scheme is Transport.SyslogTransport.TlsScheme or Transport.SyslogTransport.TcpScheme)
        {
            // A syslog collector with its own private-network allow-list: judged again with that list, for it only.
            verdict = (await _guard.JudgeHostAsync(uri.IdnHost, cancellationToken, Safety.OutboundGuard.ParseNetworks(privateNetworks)).ConfigureAwait(false)).Verdict;
        }

        if (!verdict.Allowed)
        {
            errors.Add(new(field, $"refused by rule '{verdict.Rule}': {verdict.Reason}"));
        }
    }

    public void ValidateHeaders(IDictionary<string, string>? headers, string field, IList<WebhookValidationError> errors)
    {
        if (headers is null)
        {
            return;
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            if (!HttpHeaderRules.IsToken(name))
            {
                errors.Add(new($"{field}[{name}]", "is not a valid header name"));
                continue;
            }

            if (!seen.Add(name))
            {
                errors.Add(new($"{field}[{name}]", "is duplicated (header names are case-insensitive)"));
            }

            if (HttpHeaderRules.IsReserved(name, _options.Value))
            {
                errors.Add(new($"{field}[{name}]", "is set by the library and cannot be replaced"));
            }

            if (value is null || value.Contains('\r', StringComparison.Ordinal) || value.Contains('\n', StringComparison.Ordinal))
            {
                errors.Add(new($"{field}[{name}]", "value must not be null or contain CR or LF"));
            }
            else if (!Safety.WireText.IsHeaderSafe(value))
            {
                errors.Add(new($"{field}[{name}]", "value must be visible ASCII, space or tab (template fields are percent-encoded when they render other characters)"));
            }
            else if (value.Length > Formatting.PayloadRenderer.MaxHeaderValueLength)
            {
                errors.Add(new($"{field}[{name}]", $"value is {value.Length} characters long; the limit is {Formatting.PayloadRenderer.MaxHeaderValueLength}"));
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex IdPattern();
}

/// <summary>HTTP header name rules shared by validation and request building.</summary>
internal static class HttpHeaderRules
{
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Type", "Content-Length", "Host", "User-Agent", "Transfer-Encoding", "Connection", "Expect", "Upgrade", "Trailer", "TE",
    };

    public static bool IsReserved(string name, WebhooksOptions options)
        => Reserved.Contains(name)
            || name.StartsWith("webhook-", StringComparison.OrdinalIgnoreCase)
            || string.Equals(name, options.EventTypeHeader, StringComparison.OrdinalIgnoreCase)
            || string.Equals(name, options.AttemptHeader, StringComparison.OrdinalIgnoreCase);

    /// <summary>An RFC 9110 token: visible ASCII without separators.</summary>
    public static bool IsToken(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c <= 32 || c >= 127 || "\"(),/:;<=>?@[\\]{}".Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}

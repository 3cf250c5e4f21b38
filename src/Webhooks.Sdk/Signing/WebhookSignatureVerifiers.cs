using System.Globalization;
using System.Security.Cryptography;
using Webhooks.Sdk.Signing;

namespace Webhooks.Sdk;

/// <summary>Which check of a received webhook failed.</summary>
public enum WebhookVerificationFailure
{
    /// <summary>The message id header (<c>webhook-id</c>) is missing or holds a <c>.</c>.</summary>
    MissingMessageId,

    /// <summary>The timestamp is missing or not an integer number of Unix seconds.</summary>
    InvalidTimestamp,

    /// <summary>The timestamp is older than the tolerance allows (a replay or a stale message).</summary>
    TimestampTooOld,

    /// <summary>The timestamp is further in the future than the tolerance allows.</summary>
    TimestampTooNew,

    /// <summary>The signature header is missing or holds no signature in the expected format.</summary>
    MissingSignature,

    /// <summary>No signature in the header matches the body with any of the secrets.</summary>
    SignatureMismatch,
}

/// <summary>Thrown when a received webhook fails verification; <see cref="Failure"/> says which check failed. The message never contains a secret or signature.</summary>
public sealed class WebhookVerificationException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="WebhookVerificationException"/> class.</summary>
    /// <param name="failure">The failed check.</param>
    /// <param name="message">The message.</param>
    public WebhookVerificationException(WebhookVerificationFailure failure, string message)
        : base(message)
    {
        Failure = failure;
    }

    /// <summary>Initializes a new instance of the <see cref="WebhookVerificationException"/> class.</summary>
    public WebhookVerificationException()
        : this(WebhookVerificationFailure.SignatureMismatch, "The webhook signature could not be verified.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WebhookVerificationException"/> class.</summary>
    /// <param name="message">The message.</param>
    public WebhookVerificationException(string message)
        : this(WebhookVerificationFailure.SignatureMismatch, message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WebhookVerificationException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public WebhookVerificationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Failure = WebhookVerificationFailure.SignatureMismatch;
    }

    /// <summary>Gets the check that failed.</summary>
    public WebhookVerificationFailure Failure { get; }
}

/// <summary>
/// Verifies received webhooks signed in one style. Comparison is constant-time; several signatures in one header (a
/// sender rotating its secret) and several secrets (a receiver rotating) are accepted when any pair matches. Instances
/// are immutable and thread-safe.
/// </summary>
public abstract class WebhookSignatureVerifier
{
    private readonly SignatureSpec _spec;
    private readonly byte[][] _keys;
    private readonly TimeProvider _time;

    private protected WebhookSignatureVerifier(SignatureSpec spec, IEnumerable<string> secrets, TimeProvider? timeProvider, TimeSpan? tolerance)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        _spec = spec;
        _time = timeProvider ?? TimeProvider.System;
        var keys = new List<byte[]>();
        foreach (var secret in secrets)
        {
            ArgumentException.ThrowIfNullOrEmpty(secret, nameof(secrets));
            try
            {
                keys.Add(SignatureCore.DecodeKey(spec.Preset, secret));
            }
            catch (FormatException)
            {
                throw new ArgumentException("A secret is not in the preset's format (Standard Webhooks: 'whsec_' + base64).", nameof(secrets));
            }
        }

        if (keys.Count is 0 or > 8)
        {
            throw new ArgumentException("Give 1 to 8 secrets.", nameof(secrets));
        }

        _keys = keys.ToArray();
        Tolerance = tolerance ?? TimeSpan.FromMinutes(5);
        ArgumentOutOfRangeException.ThrowIfLessThan(Tolerance, TimeSpan.Zero, nameof(tolerance));
    }

    /// <summary>Gets the largest accepted difference between a message's timestamp and now, in either direction.</summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan Tolerance { get; }

    /// <summary>Gets the name of the signature header this verifier reads.</summary>
    public string SignatureHeaderName => _spec.HeaderName;

    /// <summary>Verifies a received request; throws <see cref="WebhookVerificationException"/> naming the failed check.</summary>
    /// <param name="getHeader">Returns a request header's value by name (case-insensitive), or <see langword="null"/>.</param>
    /// <param name="body">The raw body bytes, exactly as received.</param>
    public void Verify(Func<string, string?> getHeader, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(getHeader);
        var failure = Check(getHeader, body, out var message);
        if (failure is { } f)
        {
            throw new WebhookVerificationException(f, message!);
        }
    }

    /// <summary>Verifies a received request without throwing.</summary>
    /// <param name="getHeader">Returns a request header's value by name (case-insensitive), or <see langword="null"/>.</param>
    /// <param name="body">The raw body bytes, exactly as received.</param>
    /// <param name="failure">The failed check, when verification fails.</param>
    /// <returns>Whether the request is authentic and fresh.</returns>
    public bool TryVerify(Func<string, string?> getHeader, ReadOnlySpan<byte> body, out WebhookVerificationFailure? failure)
    {
        ArgumentNullException.ThrowIfNull(getHeader);
        failure = Check(getHeader, body, out _);
        return failure is null;
    }

    private protected abstract (string MessageId, string? Timestamp, string? Signatures) ReadHeaders(Func<string, string?> getHeader);

    private WebhookVerificationFailure? Check(Func<string, string?> getHeader, ReadOnlySpan<byte> body, out string? message)
    {
        var (id, timestamp, signatures) = ReadHeaders(getHeader);
        if (_spec.Preset == WebhookSignaturePreset.StandardWebhooks && (string.IsNullOrEmpty(id) || id.Contains('.', StringComparison.Ordinal)))
        {
            message = "The webhook-id header is missing or contains '.'.";
            return WebhookVerificationFailure.MissingMessageId;
        }

        if (string.IsNullOrWhiteSpace(signatures))
        {
            message = $"The {_spec.HeaderName} header is missing.";
            return WebhookVerificationFailure.MissingSignature;
        }

        if (_spec.UsesTimestamp)
        {
            if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > 253402300799)
            {
                message = "The signature timestamp is missing or not an integer number of Unix seconds.";
                return WebhookVerificationFailure.InvalidTimestamp;
            }

            var age = _time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds);
            if (age > Tolerance)
            {
                message = $"The signature timestamp is {age.TotalSeconds:0} s old; the tolerance is {Tolerance.TotalSeconds:0} s.";
                return WebhookVerificationFailure.TimestampTooOld;
            }

            if (-age > Tolerance)
            {
                message = $"The signature timestamp is {-age.TotalSeconds:0} s in the future; the tolerance is {Tolerance.TotalSeconds:0} s.";
                return WebhookVerificationFailure.TimestampTooNew;
            }
        }

        if (!SignatureCore.Matches(_spec, _keys, id, timestamp, signatures, body, out var anyWellFormed))
        {
            message = anyWellFormed
                ? $"No signature in the {_spec.HeaderName} header matches the body."
                : $"The {_spec.HeaderName} header holds no signature in the expected format.";
            return anyWellFormed ? WebhookVerificationFailure.SignatureMismatch : WebhookVerificationFailure.MissingSignature;
        }

        message = null;
        return null;
    }
}

/// <summary>Verifies Standard Webhooks signatures: <c>webhook-id</c>, <c>webhook-timestamp</c>, <c>webhook-signature: v1,&lt;base64&gt; …</c>.</summary>
public sealed class StandardWebhooksVerifier : WebhookSignatureVerifier
{
    /// <summary>
    /// Initializes a new instance of the <see cref="StandardWebhooksVerifier"/> class with the system clock and a 5-minute timestamp
    /// tolerance. To set the clock or the tolerance, pass the secret as a one-item list: <c>new StandardWebhooksVerifier([secret], timeProvider)</c>.
    /// </summary>
    /// <param name="secret">The <c>whsec_</c> secret.</param>
    public StandardWebhooksVerifier(string secret)
        : this([secret])
    {
    }

    /// <summary>Initializes a new instance of the <see cref="StandardWebhooksVerifier"/> class with several accepted secrets.</summary>
    /// <param name="secrets">The accepted <c>whsec_</c> secrets (1 to 8).</param>
    /// <param name="timeProvider">The clock; <see langword="null"/> uses the system clock.</param>
    /// <param name="tolerance">The timestamp tolerance; <see langword="null"/> means 5 minutes.</param>
    public StandardWebhooksVerifier(IEnumerable<string> secrets, TimeProvider? timeProvider = null, TimeSpan? tolerance = null)
        : base(SignatureSpec.StandardWebhooks, secrets, timeProvider, tolerance)
    {
    }

    /// <summary>Verifies one message given its three header values; throws <see cref="WebhookVerificationException"/> naming the failed check.</summary>
    /// <param name="messageId">The <c>webhook-id</c> header.</param>
    /// <param name="timestamp">The <c>webhook-timestamp</c> header.</param>
    /// <param name="signature">The <c>webhook-signature</c> header.</param>
    /// <param name="body">The raw body bytes.</param>
    public void Verify(string? messageId, string? timestamp, string? signature, ReadOnlySpan<byte> body)
        => Verify(name => name switch { "webhook-id" => messageId, "webhook-timestamp" => timestamp, _ => signature }, body);

    private protected override (string MessageId, string? Timestamp, string? Signatures) ReadHeaders(Func<string, string?> getHeader)
        => (getHeader("webhook-id") ?? string.Empty, getHeader("webhook-timestamp"), getHeader(SignatureSpec.StandardHeader));
}

/// <summary>Verifies GitHub-style signatures: <c>X-Hub-Signature-256: sha256=&lt;hex&gt;</c> over the raw body (no timestamp).</summary>
public sealed class GitHubSignatureVerifier : WebhookSignatureVerifier
{
    /// <summary>Initializes a new instance of the <see cref="GitHubSignatureVerifier"/> class.</summary>
    /// <param name="secret">The secret text.</param>
    public GitHubSignatureVerifier(string secret)
        : this([secret])
    {
    }

    /// <summary>Initializes a new instance of the <see cref="GitHubSignatureVerifier"/> class with several accepted secrets.</summary>
    /// <param name="secrets">The accepted secrets (1 to 8).</param>
    public GitHubSignatureVerifier(IEnumerable<string> secrets)
        : base(SignatureSpec.GitHub, secrets, null, null)
    {
    }

    /// <summary>Verifies one message; throws <see cref="WebhookVerificationException"/> naming the failed check.</summary>
    /// <param name="signature">The <c>X-Hub-Signature-256</c> header.</param>
    /// <param name="body">The raw body bytes.</param>
    public void Verify(string? signature, ReadOnlySpan<byte> body) => Verify(_ => signature, body);

    private protected override (string MessageId, string? Timestamp, string? Signatures) ReadHeaders(Func<string, string?> getHeader)
        => (string.Empty, null, getHeader(SignatureSpec.GitHubHeader));
}

/// <summary>Verifies Stripe-style signatures: <c>Stripe-Signature: t=&lt;unix&gt;,v1=&lt;hex&gt;[,v1=…]</c> over <c>{t}.{body}</c>.</summary>
public sealed class StripeSignatureVerifier : WebhookSignatureVerifier
{
    /// <summary>
    /// Initializes a new instance of the <see cref="StripeSignatureVerifier"/> class with the system clock and a 5-minute timestamp
    /// tolerance. To set the clock or the tolerance, pass the secret as a one-item list: <c>new StripeSignatureVerifier([secret], timeProvider)</c>.
    /// </summary>
    /// <param name="secret">The secret text (the whole text, <c>whsec_</c> included).</param>
    public StripeSignatureVerifier(string secret)
        : this([secret])
    {
    }

    /// <summary>Initializes a new instance of the <see cref="StripeSignatureVerifier"/> class with several accepted secrets.</summary>
    /// <param name="secrets">The accepted secrets (1 to 8).</param>
    /// <param name="timeProvider">The clock; <see langword="null"/> uses the system clock.</param>
    /// <param name="tolerance">The timestamp tolerance; <see langword="null"/> means 5 minutes.</param>
    public StripeSignatureVerifier(IEnumerable<string> secrets, TimeProvider? timeProvider = null, TimeSpan? tolerance = null)
        : base(SignatureSpec.Stripe, secrets, timeProvider, tolerance)
    {
    }

    /// <summary>Verifies one message; throws <see cref="WebhookVerificationException"/> naming the failed check.</summary>
    /// <param name="signature">The <c>Stripe-Signature</c> header.</param>
    /// <param name="body">The raw body bytes.</param>
    public void Verify(string? signature, ReadOnlySpan<byte> body) => Verify(_ => signature, body);

    private protected override (string MessageId, string? Timestamp, string? Signatures) ReadHeaders(Func<string, string?> getHeader)
    {
        var header = getHeader(SignatureSpec.StripeHeader);
        return (string.Empty, header is null ? null : SignatureCore.StripeTimestamp(header).ToString(), header);
    }
}

/// <summary>Verifies signatures made by the <see cref="WebhookSignaturePreset.Custom"/> preset (header, prefix, encoding, algorithm, signed content).</summary>
public sealed class CustomSignatureVerifier : WebhookSignatureVerifier
{
    /// <summary>Initializes a new instance of the <see cref="CustomSignatureVerifier"/> class.</summary>
    /// <param name="settings">The custom preset's settings (its <see cref="HmacSignatureWebhookAuth.Secret"/> is the accepted secret).</param>
    /// <param name="timeProvider">The clock; <see langword="null"/> uses the system clock.</param>
    /// <param name="tolerance">The timestamp tolerance (timestamped content only); <see langword="null"/> means 5 minutes.</param>
    public CustomSignatureVerifier(HmacSignatureWebhookAuth settings, TimeProvider? timeProvider = null, TimeSpan? tolerance = null)
        : base(SpecOf(settings), [settings.Secret!], timeProvider, tolerance)
    {
    }

    /// <summary>Verifies one message; throws <see cref="WebhookVerificationException"/> naming the failed check.</summary>
    /// <param name="signature">The signature header.</param>
    /// <param name="timestamp">The <c>webhook-timestamp</c> header (used when the content is timestamped).</param>
    /// <param name="body">The raw body bytes.</param>
    public void Verify(string? signature, string? timestamp, ReadOnlySpan<byte> body)
        => Verify(name => string.Equals(name, "webhook-timestamp", StringComparison.OrdinalIgnoreCase) ? timestamp : signature, body);

    private protected override (string MessageId, string? Timestamp, string? Signatures) ReadHeaders(Func<string, string?> getHeader)
        => (string.Empty, getHeader("webhook-timestamp"), getHeader(SignatureHeaderName));

    private static SignatureSpec SpecOf(HmacSignatureWebhookAuth settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrEmpty(settings.Secret, nameof(settings));
        return SignatureSpec.From(new HmacSignatureWebhookAuth
        {
            Preset = WebhookSignaturePreset.Custom,
            HeaderName = settings.HeaderName,
            Prefix = settings.Prefix,
            Encoding = settings.Encoding,
            Algorithm = settings.Algorithm,
            SignedContent = settings.SignedContent,
        });
    }
}

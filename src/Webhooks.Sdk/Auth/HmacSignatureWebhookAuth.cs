using System.Security.Cryptography;
using System.Text.Json.Serialization;

namespace Webhooks.Sdk;

/// <summary>The signature style of <see cref="HmacSignatureWebhookAuth"/>.</summary>
public enum WebhookSignaturePreset
{
    /// <summary>Standard Webhooks: <c>webhook-signature: v1,&lt;base64&gt;</c>, HMAC-SHA256 over <c>{id}.{timestamp}.{body}</c>, key = base64-decoded <c>whsec_</c> secret.</summary>
    StandardWebhooks,

    /// <summary>GitHub style: <c>X-Hub-Signature-256: sha256=&lt;hex&gt;</c>, HMAC-SHA256 over the body, key = secret text.</summary>
    GitHub,

    /// <summary>Stripe style: <c>Stripe-Signature: t=&lt;unix&gt;,v1=&lt;hex&gt;</c>, HMAC-SHA256 over <c>{t}.{body}</c>, key = whole secret text.</summary>
    Stripe,

    /// <summary>Custom: header name, prefix, encoding, algorithm and signed content as set on the auth object.</summary>
    Custom,
}

/// <summary>How a custom signature is written.</summary>
public enum WebhookSignatureEncoding
{
    /// <summary>Lower-case hexadecimal.</summary>
    Hex,

    /// <summary>Standard base64.</summary>
    Base64,
}

/// <summary>The hash of a custom HMAC signature.</summary>
public enum WebhookSignatureAlgorithm
{
    /// <summary>HMAC-SHA256.</summary>
    Sha256,

    /// <summary>HMAC-SHA512.</summary>
    Sha512,
}

/// <summary>What a custom signature covers.</summary>
public enum WebhookSignedContent
{
    /// <summary>The raw body only.</summary>
    Body,

    /// <summary><c>{webhook-timestamp}.{body}</c>: the timestamp sent in the <c>webhook-timestamp</c> header, a dot, the body.</summary>
    TimestampAndBody,
}

/// <summary>A secret replaced by a rotation that still signs until it expires (kept by rotation, not set by users).</summary>
internal sealed class WebhookPreviousSecret
{
    /// <summary>Gets or sets the old secret.</summary>
    public string Secret { get; set; } = string.Empty;

    /// <summary>Gets or sets when the old secret stops signing.</summary>
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>
/// Signs every delivery with an HMAC of the body in one of the styles receivers already verify: Standard Webhooks (the
/// default), GitHub, Stripe, or a custom header. During a secret rotation every delivery carries one signature per
/// live secret.
/// </summary>
public sealed class HmacSignatureWebhookAuth : WebhookAuth
{
    /// <summary>The most previous secrets kept by a rotation; rotating once more drops the one that expires first.</summary>
    public const int MaxPreviousSecrets = 4;

    private string? _secret;

    /// <inheritdoc />
    [JsonIgnore]
    public override string Kind => WebhookAuthKinds.HmacSignature;

    /// <summary>Gets or sets the signature style.</summary>
    /// <value>The default value is <see cref="WebhookSignaturePreset.StandardWebhooks"/>.</value>
    public WebhookSignaturePreset Preset { get; set; } = WebhookSignaturePreset.StandardWebhooks;

    /// <summary>
    /// Gets or sets the signing secret (write-only). Standard Webhooks needs <c>whsec_</c> + base64 of 24 to 64 bytes; the
    /// other presets use the secret text (at least 16 characters). Left empty in an update, the saved secret is kept.
    /// </summary>
    public string? Secret
    {
        get => _secret;
        set
        {
            _secret = value;
            CachedKey = null;
        }
    }

    /// <summary>Gets or sets older secrets that still sign during a rotation's overlap window (managed by rotation, stored with the destination).</summary>
    [JsonInclude]
    internal IList<WebhookPreviousSecret> PreviousSecrets { get; set; } = new List<WebhookPreviousSecret>();

    /// <summary>Gets or sets the signature header of the <see cref="WebhookSignaturePreset.Custom"/> preset.</summary>
    /// <value>The default value is <c>X-Webhook-Signature</c>.</value>
    public string HeaderName { get; set; } = "X-Webhook-Signature";

    /// <summary>Gets or sets the text written before the signature by the custom preset, for example <c>sha256=</c>.</summary>
    public string? Prefix { get; set; }

    /// <summary>Gets or sets how the custom preset writes the signature.</summary>
    /// <value>The default value is <see cref="WebhookSignatureEncoding.Hex"/>.</value>
    public WebhookSignatureEncoding Encoding { get; set; } = WebhookSignatureEncoding.Hex;

    /// <summary>Gets or sets the custom preset's hash.</summary>
    /// <value>The default value is <see cref="WebhookSignatureAlgorithm.Sha256"/>.</value>
    public WebhookSignatureAlgorithm Algorithm { get; set; } = WebhookSignatureAlgorithm.Sha256;

    /// <summary>Gets or sets what the custom preset signs.</summary>
    /// <value>The default value is <see cref="WebhookSignedContent.Body"/>.</value>
    public WebhookSignedContent SignedContent { get; set; } = WebhookSignedContent.Body;

    /// <summary>Gets or sets the decoded key of <see cref="Secret"/>, computed once per loaded destination.</summary>
    [JsonIgnore]
    internal byte[]? CachedKey { get; set; }

    /// <summary>Creates Standard Webhooks signing with a <c>whsec_</c> secret.</summary>
    /// <param name="secret">The secret, <c>whsec_</c> + base64 of 24 to 64 random bytes.</param>
    /// <returns>The auth settings.</returns>
    public static HmacSignatureWebhookAuth StandardWebhooks(string secret) => new() { Preset = WebhookSignaturePreset.StandardWebhooks, Secret = secret };

    /// <summary>Creates GitHub-style signing (<c>X-Hub-Signature-256: sha256=&lt;hex&gt;</c>).</summary>
    /// <param name="secret">The secret text.</param>
    /// <returns>The auth settings.</returns>
    public static HmacSignatureWebhookAuth GitHub(string secret) => new() { Preset = WebhookSignaturePreset.GitHub, Secret = secret };

    /// <summary>Creates Stripe-style signing (<c>Stripe-Signature: t=…,v1=…</c>).</summary>
    /// <param name="secret">The secret text.</param>
    /// <returns>The auth settings.</returns>
    public static HmacSignatureWebhookAuth Stripe(string secret) => new() { Preset = WebhookSignaturePreset.Stripe, Secret = secret };

    /// <summary>Generates a new secret: <c>whsec_</c> + base64 of 32 random bytes (valid for every preset).</summary>
    /// <returns>The secret.</returns>
    public static string GenerateSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}

using System.Text.Json.Serialization;

namespace Webhooks.Sdk;

/// <summary>
/// How a destination authenticates the sender. Each kind has one <see cref="IWebhookAuthenticator"/> that applies it
/// to outgoing requests. Secrets in an auth object are write-only: they are stored through the
/// <see cref="ISecretProtector"/> and never read back.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(NoWebhookAuth), WebhookAuthKinds.None)]
[JsonDerivedType(typeof(BasicWebhookAuth), WebhookAuthKinds.Basic)]
[JsonDerivedType(typeof(BearerTokenWebhookAuth), WebhookAuthKinds.Bearer)]
[JsonDerivedType(typeof(StaticHeadersWebhookAuth), WebhookAuthKinds.StaticHeaders)]
[JsonDerivedType(typeof(SharedSecretHeaderWebhookAuth), WebhookAuthKinds.SharedSecretHeader)]
[JsonDerivedType(typeof(HmacSignatureWebhookAuth), WebhookAuthKinds.HmacSignature)]
[JsonDerivedType(typeof(OAuth2ClientCredentialsWebhookAuth), WebhookAuthKinds.OAuth2ClientCredentials)]
[JsonDerivedType(typeof(MutualTlsWebhookAuth), WebhookAuthKinds.MutualTls)]
public abstract class WebhookAuth
{
    /// <summary>Gets the kind name that selects the authenticator, for example <c>bearer</c>.</summary>
    [JsonIgnore]
    public abstract string Kind { get; }
}

/// <summary>No authentication.</summary>
public sealed class NoWebhookAuth : WebhookAuth
{
    /// <summary>Gets the shared instance.</summary>
    public static NoWebhookAuth Instance { get; } = new();

    /// <inheritdoc />
    [JsonIgnore]
    public override string Kind => WebhookAuthKinds.None;
}

/// <summary>The names of the built-in auth kinds.</summary>
public static class WebhookAuthKinds
{
    /// <summary>No authentication.</summary>
    public const string None = "none";

    /// <summary>HTTP Basic authentication (<see cref="BasicWebhookAuth"/>).</summary>
    public const string Basic = "basic";

    /// <summary>A bearer token (<see cref="BearerTokenWebhookAuth"/>).</summary>
    public const string Bearer = "bearer";

    /// <summary>Static secret headers (<see cref="StaticHeadersWebhookAuth"/>).</summary>
    public const string StaticHeaders = "static-headers";

    /// <summary>A shared secret sent as-is in a named header (<see cref="SharedSecretHeaderWebhookAuth"/>).</summary>
    public const string SharedSecretHeader = "shared-secret-header";

    /// <summary>An HMAC signature over the body (<see cref="HmacSignatureWebhookAuth"/>).</summary>
    public const string HmacSignature = "hmac";

    /// <summary>OAuth2 client credentials (<see cref="OAuth2ClientCredentialsWebhookAuth"/>).</summary>
    public const string OAuth2ClientCredentials = "oauth2-client-credentials";

    /// <summary>A client certificate presented on the TLS connection (<see cref="MutualTlsWebhookAuth"/>).</summary>
    public const string MutualTls = "mtls";
}

/// <summary>A description of a destination's authentication that carries no secret.</summary>
public sealed record WebhookAuthDescription
{
    /// <summary>Gets the kind, for example <c>bearer</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>Gets the non-secret settings (for example a header name or a username).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets, for each secret that is set, a short non-reversible hint (never the secret).</summary>
    public IReadOnlyDictionary<string, string> SecretHints { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets the description of "no authentication".</summary>
    public static WebhookAuthDescription None { get; } = new() { Kind = WebhookAuthKinds.None };
}

/// <summary>HTTP Basic authentication: <c>Authorization: Basic base64(username:password)</c>.</summary>
public sealed class BasicWebhookAuth : WebhookAuth
{
    /// <inheritdoc />
    [JsonIgnore]
    public override string Kind => WebhookAuthKinds.Basic;

    /// <summary>Gets or sets the username; it must not contain <c>:</c>.</summary>
    public string Username { get; set; } = string.Empty;

    /// <summary>Gets or sets the password (write-only). Left empty in an update, the saved password is kept.</summary>
    public string? Password { get; set; }
}

/// <summary>A bearer token: <c>Authorization: Bearer &lt;token&gt;</c>.</summary>
public sealed class BearerTokenWebhookAuth : WebhookAuth
{
    /// <inheritdoc />
    [JsonIgnore]
    public override string Kind => WebhookAuthKinds.Bearer;

    /// <summary>Gets or sets the token (write-only). Left empty in an update, the saved token is kept.</summary>
    public string? Token { get; set; }
}

/// <summary>
/// One or more static headers whose values are secrets, for example <c>X-Api-Key</c>. Names are unique
/// (case-insensitively) and cannot replace the library's own headers; values are write-only.
/// </summary>
public sealed class StaticHeadersWebhookAuth : WebhookAuth
{
    /// <inheritdoc />
    [JsonIgnore]
    public override string Kind => WebhookAuthKinds.StaticHeaders;

    /// <summary>Gets or sets the headers. In an update, a header given with an empty value keeps its saved value.</summary>
    public IDictionary<string, string> Headers { get; set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
}

/// <summary>A shared secret sent as-is (unsigned) in a header whose name the user chooses.</summary>
public sealed class SharedSecretHeaderWebhookAuth : WebhookAuth
{
    /// <inheritdoc />
    [JsonIgnore]
    public override string Kind => WebhookAuthKinds.SharedSecretHeader;

    /// <summary>Gets or sets the header name.</summary>
    /// <value>The default value is <c>X-Webhook-Secret</c>.</value>
    public string HeaderName { get; set; } = "X-Webhook-Secret";

    /// <summary>Gets or sets the secret (write-only). Left empty in an update, the saved secret is kept.</summary>
    public string? Secret { get; set; }
}

/// <summary>OAuth2 client credentials: a token is fetched from the token endpoint, cached until shortly before it expires and sent as a bearer token.</summary>
public sealed class OAuth2ClientCredentialsWebhookAuth : WebhookAuth
{
    /// <inheritdoc />
    [JsonIgnore]
    public override string Kind => WebhookAuthKinds.OAuth2ClientCredentials;

    /// <summary>Gets or sets the token endpoint; it must be https.</summary>
    public string TokenEndpoint { get; set; } = string.Empty;

    /// <summary>Gets or sets the client id.</summary>
    public string ClientId { get; set; } = string.Empty;

    /// <summary>Gets or sets the client secret (write-only). Left empty in an update, the saved secret is kept.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Gets or sets the scope(s) to request, space-separated.</summary>
    public string? Scope { get; set; }

    /// <summary>Gets or sets the audience to request (sent as the <c>audience</c> parameter).</summary>
    public string? Audience { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the client id and secret are sent in the form body
    /// (<c>client_secret_post</c>) instead of an HTTP Basic header (<c>client_secret_basic</c>).
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool SendCredentialsInBody { get; set; }
}

/// <summary>
/// Mutual TLS: a client certificate presented on the connection. Give either <see cref="CertificatePem"/> (with
/// <see cref="PrivateKeyPem"/> unless the PEM holds the key) or <see cref="Pfx"/>. Destinations with different
/// certificates never share a connection.
/// </summary>
public sealed class MutualTlsWebhookAuth : WebhookAuth
{
    /// <inheritdoc />
    [JsonIgnore]
    public override string Kind => WebhookAuthKinds.MutualTls;

    /// <summary>Gets or sets the client certificate in PEM form (may also hold the private key).</summary>
    public string? CertificatePem { get; set; }

    /// <summary>Gets or sets the private key in PEM form (write-only), when not inside <see cref="CertificatePem"/>.</summary>
    public string? PrivateKeyPem { get; set; }

    /// <summary>Gets or sets the client certificate with its key as base64 of a PFX (PKCS#12) file (write-only).</summary>
    public string? Pfx { get; set; }

    /// <summary>Gets or sets the password of <see cref="Pfx"/> or of an encrypted <see cref="PrivateKeyPem"/> (write-only).</summary>
    public string? Password { get; set; }

    /// <summary>
    /// Gets or sets a certificate authority (PEM) trusted for this destination's server certificate only, in addition
    /// to the system's trusted roots: for private CAs and self-signed test servers. Host-name checks still apply.
    /// </summary>
    public string? TrustedServerCertificateAuthorityPem { get; set; }
}

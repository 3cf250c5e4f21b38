using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Safety;

namespace Webhooks.Sdk.Auth;

/// <summary>
/// Mutual TLS: each destination's client certificate is loaded once per destination version and kept, with the
/// <see cref="HttpClient"/> that presents it (its own connection pool), in the destination's <see cref="DestinationState"/>;
/// both are disposed when that state is evicted (change, delete, idle timeout).
/// </summary>
internal sealed class MutualTlsAuthenticator : IWebhookAuthenticator
{
    /// <summary>Starts the validation message of a certificate past its end date.</summary>
    internal const string ExpiredMessage = "the certificate expired on ";

    private readonly TimeProvider _time;

    public MutualTlsAuthenticator(TimeProvider time) => _time = time;

    public string Kind => WebhookAuthKinds.MutualTls;

    public void Validate(WebhookAuth auth, IList<WebhookValidationError> errors)
    {
        var mtls = (MutualTlsWebhookAuth)auth;
        var hasPem = !string.IsNullOrWhiteSpace(mtls.CertificatePem);
        var hasPfx = !string.IsNullOrWhiteSpace(mtls.Pfx);
        if (hasPem == hasPfx)
        {
            errors.Add(new("Auth.CertificatePem", "give either CertificatePem (with PrivateKeyPem) or Pfx, not both and not neither"));
            return;
        }

        try
        {
            using var certificate = ClientCertificates.LoadCertificate(mtls);
            if (!certificate.HasPrivateKey)
            {
                errors.Add(new(hasPem ? "Auth.PrivateKeyPem" : "Auth.Pfx", "the certificate's private key is missing"));
            }
            else if (certificate.NotAfter.ToUniversalTime() < _time.GetUtcNow().UtcDateTime)
            {
                errors.Add(new(hasPem ? "Auth.CertificatePem" : "Auth.Pfx", ExpiredMessage + certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
        {
            errors.Add(new(hasPem ? "Auth.CertificatePem" : "Auth.Pfx", "is not a readable certificate with its private key (or the password is wrong)"));
        }

        if (!string.IsNullOrWhiteSpace(mtls.TrustedServerCertificateAuthorityPem))
        {
            try
            {
                ClientCertificates.LoadAuthorities(mtls.TrustedServerCertificateAuthorityPem);
            }
            catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
            {
                errors.Add(new("Auth.TrustedServerCertificateAuthorityPem", "is not a readable PEM certificate"));
            }
        }
    }

    public WebhookAuthDescription Describe(WebhookAuth auth)
    {
        var mtls = (MutualTlsWebhookAuth)auth;
        var settings = new Dictionary<string, string>();
        var hints = new Dictionary<string, string>();
        try
        {
            using var certificate = ClientCertificates.LoadCertificate(mtls);
            settings["Subject"] = certificate.Subject;
            settings["Thumbprint"] = certificate.GetCertHashString(HashAlgorithmName.SHA256);
            settings["NotAfter"] = certificate.NotAfter.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            hints["PrivateKey"] = SecretHints.Set;
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
        {
            settings["Certificate"] = "unreadable";
        }

        if (!string.IsNullOrWhiteSpace(mtls.TrustedServerCertificateAuthorityPem))
        {
            settings["TrustedServerCertificateAuthority"] = "set";
        }

        return new() { Kind = Kind, Settings = settings, SecretHints = hints };
    }

    public WebhookAuth Merge(WebhookAuth current, WebhookAuth update)
    {
        var u = (MutualTlsWebhookAuth)update;
        var c = (MutualTlsWebhookAuth)current;
        if (!string.IsNullOrWhiteSpace(u.Pfx) || !string.IsNullOrWhiteSpace(u.CertificatePem))
        {
            if (string.IsNullOrEmpty(u.TrustedServerCertificateAuthorityPem))
            {
                u.TrustedServerCertificateAuthorityPem = c.TrustedServerCertificateAuthorityPem;
            }

            return u;
        }

        return new MutualTlsWebhookAuth
        {
            CertificatePem = c.CertificatePem,
            PrivateKeyPem = c.PrivateKeyPem,
            Pfx = c.Pfx,
            Password = c.Password,
            TrustedServerCertificateAuthorityPem = string.IsNullOrEmpty(u.TrustedServerCertificateAuthorityPem) ? c.TrustedServerCertificateAuthorityPem : u.TrustedServerCertificateAuthorityPem,
        };
    }

    public ValueTask ApplyAsync(WebhookAuthContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>
/// A destination's loaded client certificate, its trusted server authorities, and the <see cref="HttpClient"/> that
/// presents it (created on first use, with its own connection pool). Owned by one <see cref="DestinationState"/>, or
/// by one call for an unsaved draft; disposing it closes the pool and frees the key.
/// </summary>
internal sealed class MutualTlsClient : IDisposable
{
    private readonly Func<MutualTlsClient, HttpMessageHandler> _createHandler;
    private readonly object _sync = new();
    private HttpClient? _client;
    private bool _disposed;

    public MutualTlsClient(X509Certificate2 certificate, X509Certificate2Collection? trustedAuthorities, Func<MutualTlsClient, HttpMessageHandler> createHandler)
    {
        Certificate = certificate;
        TrustedAuthorities = trustedAuthorities;
        _createHandler = createHandler;
        Thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(certificate.RawData);
        foreach (var authority in trustedAuthorities ?? [])
        {
            hash.AppendData(authority.RawData);
        }

        PoolKey = Convert.ToHexString(hash.GetHashAndReset())[..40];
    }

    public X509Certificate2 Certificate { get; }

    public X509Certificate2Collection? TrustedAuthorities { get; }

    /// <summary>Gets the SHA-256 thumbprint of the certificate (logged; never the key).</summary>
    public string Thumbprint { get; }

    /// <summary>Gets a key naming the certificate and trusted authorities (connections made with it are pooled under it).</summary>
    public string PoolKey { get; }

    /// <summary>Gets the client that presents the certificate, created on first use.</summary>
    public HttpClient Client
    {
        get
        {
            var client = Volatile.Read(ref _client);
            if (client is not null)
            {
                return client;
            }

            lock (_sync)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return _client ??= new HttpClient(_createHandler(this), disposeHandler: true);
            }
        }
    }

    /// <summary>Gets a value indicating whether the client was created (its pool may hold connections).</summary>
    public bool HasClient => Volatile.Read(ref _client) is not null;

    public void Dispose()
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _client?.Dispose();
            Certificate.Dispose();
            foreach (var authority in TrustedAuthorities ?? [])
            {
                authority.Dispose();
            }
        }
    }
}

/// <summary>
/// Loads client certificates into <see cref="MutualTlsClient"/>s whose handler follows the library's rules (same SSRF
/// check, no redirects, egress proxy, trace propagation) and no HTTP client factory logging. Holds nothing itself:
/// each loaded certificate belongs to the destination state (or call) that asked for it.
/// </summary>
internal sealed class ClientCertificates
{
    private readonly IOptions<WebhooksOptions> _options;
    private readonly OutboundConnector _connector;
    private readonly ILogger _logger;

    public ClientCertificates(IOptions<WebhooksOptions> options, OutboundConnector connector, ILogger<MutualTlsAuthenticator> logger)
    {
        _options = options;
        _connector = connector;
        _logger = logger;
    }

    /// <summary>Loads a destination's certificate (the caller owns and disposes the result).</summary>
    public MutualTlsClient Load(MutualTlsWebhookAuth auth)
    {
        ArgumentNullException.ThrowIfNull(auth);
        var certificate = LoadCertificate(auth);
        try
        {
            var authorities = string.IsNullOrWhiteSpace(auth.TrustedServerCertificateAuthorityPem) ? null : LoadAuthorities(auth.TrustedServerCertificateAuthorityPem);
            return new MutualTlsClient(certificate, authorities, CreateHandler);
        }
        catch
        {
            certificate.Dispose();
            throw;
        }
    }

    /// <summary>The client certificate of a destination: its own state's when it has one, else loaded for this call only (<paramref name="owned"/> then holds it for the caller to dispose).</summary>
    public MutualTlsClient For(MutualTlsWebhookAuth auth, DestinationState? state, out MutualTlsClient? owned)
    {
        if (state is not null)
        {
            owned = null;
            return state.ClientCertificate(auth, Load);
        }

        owned = Load(auth);
        return owned;
    }

    public static X509Certificate2 LoadCertificate(MutualTlsWebhookAuth auth)
    {
        X509Certificate2 certificate;
        if (!string.IsNullOrWhiteSpace(auth.Pfx))
        {
            certificate = X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(auth.Pfx.Trim()), auth.Password, X509KeyStorageFlags.EphemeralKeySet);
        }
        else
        {
            var keyPem = string.IsNullOrWhiteSpace(auth.PrivateKeyPem) ? auth.CertificatePem! : auth.PrivateKeyPem;
            certificate = string.IsNullOrEmpty(auth.Password)
                ? X509Certificate2.CreateFromPem(auth.CertificatePem, keyPem)
                : X509Certificate2.CreateFromEncryptedPem(auth.CertificatePem, keyPem, auth.Password);
        }

        if (OperatingSystem.IsWindows())
        {
            // SChannel cannot use an ephemeral PEM key for client authentication; a PKCS#12 round-trip gives it a usable one.
            using var ephemeral = certificate;
            certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        }

        return certificate;
    }

    public static X509Certificate2Collection LoadAuthorities(string pem)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(pem);
        if (collection.Count == 0)
        {
            throw new CryptographicException("No certificate in PEM.");
        }

        return collection;
    }

    /// <summary>The system's verdict, or, when only the chain failed, a chain built to the destination's own trusted CAs.</summary>
    internal static bool ValidateServer(System.Security.Cryptography.X509Certificates.X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, X509Certificate2Collection authorities)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.CustomTrustStore.AddRange(authorities);
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        var leaf = certificate as X509Certificate2;
        using var loaded = leaf is null ? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()) : null;
        return custom.Build(leaf ?? loaded!);
    }

    private SocketsHttpHandler CreateHandler(MutualTlsClient client)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificateContext = SslStreamCertificateContext.Create(client.Certificate, additionalCertificates: null, offline: true),
            },
        };
        if (client.TrustedAuthorities is { } authorities)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => ValidateServer(certificate, chain, errors, authorities);
        }

        Log.ClientCertificatePool(_logger, client.Thumbprint);
        return WebhookHttpHandlers.Configure(handler, _options.Value, _connector);
    }
}

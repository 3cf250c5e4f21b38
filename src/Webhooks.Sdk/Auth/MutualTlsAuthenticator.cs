using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Safety;

namespace Webhooks.Sdk.Auth;

/// <summary>
/// Mutual TLS: each destination's client certificate is loaded once per destination version and kept in the
/// destination's <see cref="DestinationState"/>, with a named client of the HTTP client factory that presents it (its
/// own connection pool); both are released when that state is evicted (change, delete, idle timeout).
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
/// A destination's loaded client certificate and its trusted server authorities, registered under a client name of
/// the HTTP client factory whose handler presents it (its own connection pool). Owned by one
/// <see cref="DestinationState"/>, or by one call for an unsaved draft. Disposing it unregisters the name (the
/// factory's options for it are dropped, and its handler is disposed by the factory when its lifetime ends) and
/// frees the key.
/// </summary>
internal sealed class MutualTlsClient : IDisposable
{
    private readonly ClientCertificates _owner;
    private int _disposed;

    public MutualTlsClient(ClientCertificates owner, string name, X509Certificate2 certificate, X509Certificate2Collection? trustedAuthorities)
    {
        _owner = owner;
        Name = name;
        Certificate = certificate;
        TrustedAuthorities = trustedAuthorities;
        Thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
    }

    /// <summary>Gets the client name of the HTTP client factory (unique to this load; also the pool key of other transports).</summary>
    public string Name { get; }

    public X509Certificate2 Certificate { get; }

    public X509Certificate2Collection? TrustedAuthorities { get; }

    /// <summary>Gets the SHA-256 thumbprint of the certificate (logged; never the key).</summary>
    public string Thumbprint { get; }

    /// <summary>Gets a client that presents the certificate (the factory's handler for <see cref="Name"/>).</summary>
    public HttpClient Client
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
            return _owner.CreateClient(Name);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _owner.Unregister(this);
        Certificate.Dispose();
        foreach (var authority in TrustedAuthorities ?? [])
        {
            authority.Dispose();
        }
    }
}

/// <summary>
/// Loads client certificates into <see cref="MutualTlsClient"/>s, each under a client name of its own, and tells the
/// HTTP client factory how to build that name's handler: the library's rules (same SSRF check, no redirects, egress
/// proxy, trace propagation), the certificate, and no factory logging. Knows only the certificates currently loaded:
/// each belongs to the destination state (or call) that asked for it.
/// </summary>
internal sealed class ClientCertificates
{
    public const string ClientNamePrefix = "Webhooks.Sdk.mTLS.";

    private readonly ConcurrentDictionary<string, MutualTlsClient> _loaded = new(StringComparer.Ordinal);
    private readonly IHttpClientFactory _factory;
    private readonly IOptionsMonitorCache<HttpClientFactoryOptions> _factoryOptions;

    public ClientCertificates(IHttpClientFactory factory, IOptionsMonitorCache<HttpClientFactoryOptions> factoryOptions)
    {
        _factory = factory;
        _factoryOptions = factoryOptions;
    }

    /// <summary>Gets how many certificates are loaded now (for tests).</summary>
    public int LoadedCount => _loaded.Count;

    /// <summary>Loads a destination's certificate (the caller owns and disposes the result).</summary>
    public MutualTlsClient Load(MutualTlsWebhookAuth auth)
    {
        ArgumentNullException.ThrowIfNull(auth);
        var certificate = LoadCertificate(auth);
        try
        {
            var authorities = string.IsNullOrWhiteSpace(auth.TrustedServerCertificateAuthorityPem) ? null : LoadAuthorities(auth.TrustedServerCertificateAuthorityPem);
            var client = new MutualTlsClient(this, ClientNamePrefix + Guid.NewGuid().ToString("N"), certificate, authorities);
            _loaded[client.Name] = client;
            return client;
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

    public bool TryGet(string name, out MutualTlsClient client) => _loaded.TryGetValue(name, out client!);

    internal HttpClient CreateClient(string name) => _factory.CreateClient(name);

    internal void Unregister(MutualTlsClient client)
    {
        _loaded.TryRemove(new KeyValuePair<string, MutualTlsClient>(client.Name, client));
        _factoryOptions.TryRemove(client.Name);
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
}

/// <summary>
/// Configures the named clients of loaded client certificates: the library's guarded primary handler (same SSRF
/// check, no redirects, proxy) with the certificate, and none of the HTTP client factory's default loggers.
/// </summary>
internal sealed class MutualTlsHttpClientOptionsSetup : IConfigureNamedOptions<HttpClientFactoryOptions>
{
    private readonly IServiceProvider _services;
    private readonly IOptions<WebhooksOptions> _options;
    private readonly ILogger _logger;

    public MutualTlsHttpClientOptionsSetup(IServiceProvider services, IOptions<WebhooksOptions> options, ILogger<MutualTlsAuthenticator> logger)
    {
        _services = services;
        _options = options;
        _logger = logger;
    }

    public void Configure(HttpClientFactoryOptions options)
    {
    }

    public void Configure(string? name, HttpClientFactoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (name is null || !name.StartsWith(ClientCertificates.ClientNamePrefix, StringComparison.Ordinal)
            || !_services.GetRequiredService<ClientCertificates>().TryGet(name, out var client))
        {
            return;
        }

        // The factory's logging switch is internal; a builder for this name applies RemoveAllLoggers to a scratch
        // collection, whose configuration is then run on these options.
        var scratch = new ServiceCollection();
        new ScratchBuilder(name, scratch).RemoveAllLoggers();
        foreach (var descriptor in scratch)
        {
            switch (descriptor.ImplementationInstance)
            {
                case IConfigureNamedOptions<HttpClientFactoryOptions> named:
                    named.Configure(name, options);
                    break;
                case IConfigureOptions<HttpClientFactoryOptions> all:
                    all.Configure(options);
                    break;
            }
        }

        // The handler keeps the certificate's context, not the client: a handler the factory still holds after the
        // state let go only serves connections already made.
        var context = SslStreamCertificateContext.Create(client.Certificate, additionalCertificates: null, offline: true);
        var authorities = client.TrustedAuthorities;
        var thumbprint = client.Thumbprint;
        options.HttpMessageHandlerBuilderActions.Add(builder =>
        {
            var handler = new SocketsHttpHandler { SslOptions = new SslClientAuthenticationOptions { ClientCertificateContext = context } };
            if (authorities is not null)
            {
                handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => ClientCertificates.ValidateServer(certificate, chain, errors, authorities);
            }

            Log.ClientCertificatePool(_logger, thumbprint);
            builder.PrimaryHandler = WebhookHttpHandlers.Configure(handler, _options.Value, builder.Services);
        });
    }

    private sealed class ScratchBuilder(string name, IServiceCollection services) : IHttpClientBuilder
    {
        public string Name { get; } = name;

        public IServiceCollection Services { get; } = services;
    }
}

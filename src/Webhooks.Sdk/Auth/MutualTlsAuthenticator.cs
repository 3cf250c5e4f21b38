using System.Collections.Concurrent;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Delivery;

namespace Webhooks.Sdk.Auth;

/// <summary>Mutual TLS: each client certificate gets its own named <see cref="HttpClient"/> and so its own connection pool.</summary>
internal sealed class MutualTlsAuthenticator : IWebhookAuthenticator
{
    /// <summary>Starts the validation message of a certificate past its end date.</summary>
    internal const string ExpiredMessage = "the certificate expired on ";

    private readonly ClientCertificateStore _certificates;
    private readonly TimeProvider _time;

    public MutualTlsAuthenticator(ClientCertificateStore certificates, TimeProvider time)
    {
        _certificates = certificates;
        _time = time;
    }

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
            using var certificate = ClientCertificateStore.Load(mtls);
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
                ClientCertificateStore.LoadAuthorities(mtls.TrustedServerCertificateAuthorityPem);
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
            var entry = _certificates.Get(mtls);
            settings["Subject"] = entry.Certificate.Subject;
            settings["Thumbprint"] = entry.Thumbprint;
            settings["NotAfter"] = entry.Certificate.NotAfter.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture);
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

    public string? GetHttpClientName(WebhookAuth auth) => _certificates.Get((MutualTlsWebhookAuth)auth).ClientName;

    public ValueTask ApplyAsync(WebhookAuthContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>Loaded client certificates by HTTP client name (one name per certificate and trusted-CA set).</summary>
internal sealed class ClientCertificateStore : IDisposable
{
    public const string ClientNamePrefix = "Webhooks.Sdk.mTLS.";

    private readonly ConcurrentDictionary<string, Entry> _byName = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<MutualTlsWebhookAuth, Entry> _byAuth = new();

    public Entry Get(MutualTlsWebhookAuth auth)
    {
        if (_byAuth.TryGetValue(auth, out var known))
        {
            return known;
        }

        var certificate = Load(auth);
        var authorities = string.IsNullOrWhiteSpace(auth.TrustedServerCertificateAuthorityPem) ? null : LoadAuthorities(auth.TrustedServerCertificateAuthorityPem);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(certificate.RawData);
        foreach (var authority in authorities ?? [])
        {
            hash.AppendData(authority.RawData);
        }

        var thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        var name = ClientNamePrefix + Convert.ToHexString(hash.GetHashAndReset())[..40];
        var entry = _byName.GetOrAdd(name, _ => new Entry(name, thumbprint, certificate, authorities));
        if (!ReferenceEquals(entry.Certificate, certificate))
        {
            certificate.Dispose();
        }

        _byAuth.AddOrUpdate(auth, entry);
        return entry;
    }

    public bool TryGet(string clientName, out Entry entry) => _byName.TryGetValue(clientName, out entry!);

    public void Dispose()
    {
        foreach (var entry in _byName.Values)
        {
            entry.Certificate.Dispose();
        }
    }

    public static X509Certificate2 Load(MutualTlsWebhookAuth auth)
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

    internal sealed record Entry(string ClientName, string Thumbprint, X509Certificate2 Certificate, X509Certificate2Collection? TrustedAuthorities);
}

/// <summary>
/// Configures the named clients of client certificates: the library's guarded primary handler (same SSRF check, no
/// redirects, proxy) with the certificate, and none of the HTTP client factory's default loggers.
/// </summary>
internal sealed class MutualTlsHttpClientOptionsSetup : IConfigureNamedOptions<HttpClientFactoryOptions>
{
    private readonly ClientCertificateStore _certificates;
    private readonly IOptions<WebhooksOptions> _options;
    private readonly ILogger _logger;

    public MutualTlsHttpClientOptionsSetup(ClientCertificateStore certificates, IOptions<WebhooksOptions> options, ILogger<MutualTlsAuthenticator> logger)
    {
        _certificates = certificates;
        _options = options;
        _logger = logger;
    }

    public void Configure(HttpClientFactoryOptions options)
    {
    }

    public void Configure(string? name, HttpClientFactoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (name is null || !name.StartsWith(ClientCertificateStore.ClientNamePrefix, StringComparison.Ordinal) || !_certificates.TryGet(name, out var entry))
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

        options.HttpMessageHandlerBuilderActions.Add(builder => builder.PrimaryHandler = CreateHandler(entry, builder.Services));
    }

    private SocketsHttpHandler CreateHandler(ClientCertificateStore.Entry entry, IServiceProvider services)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificateContext = SslStreamCertificateContext.Create(entry.Certificate, additionalCertificates: null, offline: true),
            },
        };
        if (entry.TrustedAuthorities is { } authorities)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => ValidateServer(certificate, chain, errors, authorities);
        }

        Log.ClientCertificatePool(_logger, entry.Thumbprint);
        return WebhookHttpHandlers.Configure(handler, _options.Value, services);
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

    private sealed class ScratchBuilder(string name, IServiceCollection services) : IHttpClientBuilder
    {
        public string Name { get; } = name;

        public IServiceCollection Services { get; } = services;
    }
}

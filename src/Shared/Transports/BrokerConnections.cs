using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Webhooks.Sdk.Transports;

/// <summary>
/// The connect and TLS helpers the transports that open their own connections (email, RabbitMQ, NATS) share; compiled
/// into each of those packages from this one source.
/// </summary>
internal static class BrokerConnections
{
    /// <summary>Reads the certificates of a PEM text.</summary>
    /// <param name="pem">The PEM text.</param>
    /// <returns>The certificates, or <see langword="null"/> when the text holds none or is not PEM.</returns>
    public static X509Certificate2Collection? LoadCertificates(string pem)
    {
        try
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPem(pem);
            return collection.Count > 0 ? collection : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>
    /// Accepts a server certificate the platform trusts, or one that chains to the destination's own CA (its name must
    /// still match the host; revocation is not checked against a private CA).
    /// </summary>
    /// <param name="certificate">The server certificate.</param>
    /// <param name="errors">The platform's verdict.</param>
    /// <param name="pem">The destination's CA certificates (PEM).</param>
    /// <returns>Whether to trust the server.</returns>
    public static bool TrustedByCustomCa(X509Certificate? certificate, SslPolicyErrors errors, string pem)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 || LoadCertificates(pem) is not { } roots)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    /// <summary>
    /// Resolves the host through the connect-time guard and returns the first allowed address (IPv4-mapped addresses as
    /// IPv4), for clients that connect by address themselves.
    /// </summary>
    /// <param name="connector">The outbound connector.</param>
    /// <param name="host">The host name or literal.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The address to connect to.</returns>
    public static async Task<IPAddress> ResolveAllowedAddressAsync(IWebhookOutboundConnector connector, string host, CancellationToken cancellationToken)
    {
        var addresses = await connector.ResolveAsync(host, cancellationToken).ConfigureAwait(false);
        return addresses[0].IsIPv4MappedToIPv6 ? addresses[0].MapToIPv4() : addresses[0];
    }

    /// <summary>Adds the validation error of a <c>FormatSettings[caCertificate]</c> that holds no PEM certificate.</summary>
    /// <param name="pem">The setting, or <see langword="null"/> when it is not set.</param>
    /// <param name="errors">The errors to add to.</param>
    public static void ValidateCaCertificate(string? pem, IList<WebhookValidationError> errors)
    {
        if (pem is not null && LoadCertificates(pem) is null)
        {
            errors.Add(new("FormatSettings[caCertificate]", "is not a PEM certificate"));
        }
    }

    /// <summary>
    /// The key under which a destination's connection is kept, and its version: a change to the destination (its update
    /// time or its URL) opens a new connection.
    /// </summary>
    /// <param name="request">The attempt.</param>
    /// <returns>The key and the version.</returns>
    public static ((string Tenant, string Id) Key, string Version) ConnectionIdentity(WebhookTransportRequest request)
        => ((request.Destination.TenantId, request.Destination.Id),
            request.Destination.UpdatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture) + request.Url.OriginalString);

    /// <summary>The delivery's headers a broker message carries: all but <c>Authorization</c>, whose credentials authenticate the connection instead.</summary>
    /// <param name="request">The attempt.</param>
    /// <returns>The headers.</returns>
    public static IEnumerable<KeyValuePair<string, string>> MessageHeaders(WebhookTransportRequest request)
        => request.Headers.Where(h => !string.Equals(h.Key, "Authorization", StringComparison.OrdinalIgnoreCase));
}

using Microsoft.Extensions.Logging;

namespace Webhooks.Sdk.Auth;

/// <summary>Log messages of authentication. Never a secret, token, certificate key or URL query string.</summary>
internal static partial class Log
{
    [LoggerMessage(3001, LogLevel.Debug, "Fetched an OAuth2 access token from {TokenEndpoint}, valid for {LifetimeSeconds} s")]
    public static partial void TokenFetched(ILogger logger, string tokenEndpoint, long lifetimeSeconds);

    [LoggerMessage(3002, LogLevel.Warning, "The OAuth2 token request to {TokenEndpoint} failed with HTTP {StatusCode}")]
    public static partial void TokenRequestFailed(ILogger logger, string tokenEndpoint, int statusCode);

    [LoggerMessage(3003, LogLevel.Information, "Destination {DestinationId} refused the OAuth2 access token (401); fetching a new one and sending once more")]
    public static partial void TokenRefused(ILogger logger, string destinationId);

    [LoggerMessage(3004, LogLevel.Debug, "Created a connection pool for client certificate {Thumbprint}")]
    public static partial void ClientCertificatePool(ILogger logger, string thumbprint);
}

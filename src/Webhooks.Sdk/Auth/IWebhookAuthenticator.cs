namespace Webhooks.Sdk;

/// <summary>Applies one kind of <see cref="WebhookAuth"/> to outgoing requests. One implementation per kind.</summary>
public interface IWebhookAuthenticator
{
    /// <summary>Gets the auth kind this authenticator handles (<see cref="WebhookAuth.Kind"/>).</summary>
    string Kind { get; }

    /// <summary>
    /// Gets the <see cref="WebhookAuth"/> subclass of a custom kind, so destinations using it can be saved in a durable
    /// store (it is serialized with <see cref="Kind"/> as its <c>kind</c> discriminator, then encrypted), or
    /// <see langword="null"/> for the built-in kinds.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    Type? AuthType => null;

    /// <summary>Checks the settings when a destination is saved or tested; adds one error per bad field.</summary>
    /// <param name="auth">The auth settings.</param>
    /// <param name="errors">Where to add errors (field names start with <c>Auth.</c>).</param>
    void Validate(WebhookAuth auth, IList<WebhookValidationError> errors);

    /// <summary>Describes the settings without any secret.</summary>
    /// <param name="auth">The auth settings.</param>
    /// <returns>The description.</returns>
    WebhookAuthDescription Describe(WebhookAuth auth);

    /// <summary>Merges an update into the current settings: secrets the update leaves empty keep their current value.</summary>
    /// <param name="current">The saved settings.</param>
    /// <param name="update">The settings supplied by the update (same kind).</param>
    /// <returns>The settings to save.</returns>
    WebhookAuth Merge(WebhookAuth current, WebhookAuth update) => update;

    /// <summary>Gets the name of the <see cref="HttpClient"/> to send with (for example one per client certificate), or <see langword="null"/> for the library's default client.</summary>
    /// <param name="auth">The auth settings.</param>
    /// <returns>The client name.</returns>
    string? GetHttpClientName(WebhookAuth auth) => null;

    /// <summary>Adds credentials or signatures to the request, after the body is final.</summary>
    /// <param name="context">The request being sent.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the request is authenticated.</returns>
    ValueTask ApplyAsync(WebhookAuthContext context, CancellationToken cancellationToken);

    /// <summary>Called when the destination answered 401; return <see langword="true"/> to re-authenticate and send once more (for example after refreshing a token).</summary>
    /// <param name="context">The request that was refused.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>Whether to send once more.</returns>
    ValueTask<bool> OnUnauthorizedAsync(WebhookAuthContext context, CancellationToken cancellationToken) => ValueTask.FromResult(false);
}

/// <summary>What an authenticator sees of one outgoing request.</summary>
public sealed class WebhookAuthContext
{
    /// <summary>Gets the auth settings, with secrets.</summary>
    public required WebhookAuth Auth { get; init; }

    /// <summary>Gets the request to authenticate.</summary>
    public required HttpRequestMessage Request { get; init; }

    /// <summary>Gets the final body bytes.</summary>
    public required ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>Gets the message id (the event id, sent as <c>webhook-id</c>).</summary>
    public required string MessageId { get; init; }

    /// <summary>Gets the timestamp of this attempt (sent as <c>webhook-timestamp</c>).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Gets the destination's tenant.</summary>
    public required string TenantId { get; init; }

    /// <summary>Gets the destination id (empty for an unsaved draft).</summary>
    public required string DestinationId { get; init; }

    /// <summary>Gets the engine state of the destination's version (holds an OAuth2 token), or <see langword="null"/> for a draft.</summary>
    internal Destinations.DestinationState? State { get; init; }
}

/// <summary>Protects secrets before a store sees them.</summary>
public interface ISecretProtector
{
    /// <summary>Encrypts <paramref name="plaintext"/>.</summary>
    /// <param name="plaintext">The secret material.</param>
    /// <returns>The protected text, safe to store.</returns>
    string Protect(string plaintext);

    /// <summary>Decrypts what <see cref="Protect"/> produced.</summary>
    /// <param name="protectedText">The protected text.</param>
    /// <returns>The secret material.</returns>
    string Unprotect(string protectedText);
}

namespace Webhooks.Sdk;

/// <summary>
/// Moves stored secrets to the current master key (<c>Secrets.Key</c>) after a rotation. Rotate in three steps: set the
/// new key as <c>Secrets.Key</c> and list the old one in <c>Secrets.PreviousKeys</c>; run <see cref="ReencryptAsync"/>
/// once; then remove the old key.
/// </summary>
public interface IWebhookSecretKeyRotation
{
    /// <summary>
    /// Re-encrypts every destination secret (auth and secret format settings) of the given tenants that is not yet
    /// protected with the current key. When nothing failed, the store's key check moves to the current key.
    /// Safe to run again; destinations changed meanwhile are re-read, never overwritten with old settings.
    /// </summary>
    /// <param name="tenantIds">The tenants; <see langword="null"/> means the default tenant only.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>What was done.</returns>
    Task<WebhookReencryptionResult> ReencryptAsync(IEnumerable<string>? tenantIds = null, CancellationToken cancellationToken = default);
}

/// <summary>The outcome of <see cref="IWebhookSecretKeyRotation.ReencryptAsync"/>.</summary>
/// <param name="Examined">How many destinations were looked at.</param>
/// <param name="Reencrypted">How many were rewritten with the current key.</param>
/// <param name="Failed">The destinations whose secrets could not be read with any configured key (<c>tenant/id</c>).</param>
public sealed record WebhookReencryptionResult(int Examined, int Reencrypted, IReadOnlyList<string> Failed);

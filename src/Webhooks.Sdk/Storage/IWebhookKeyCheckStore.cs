namespace Webhooks.Sdk.Storage;

/// <summary>
/// Optional store capability: keeps the key-check value of the master key that protects stored secrets, so a changed or
/// wrong <c>Secrets.Key</c> is a start-up error rather than a failure at the first publish. A store that does not
/// implement it is not checked.
/// </summary>
public interface IWebhookKeyCheckStore
{
    /// <summary>Gets the stored key-check value.</summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The value, or <see langword="null"/> when none was stored yet.</returns>
    Task<string?> GetKeyCheckAsync(CancellationToken cancellationToken);

    /// <summary>Stores the key-check value, replacing any previous one.</summary>
    /// <param name="value">The value (not secret: it identifies a key without revealing it).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when it is stored.</returns>
    Task SetKeyCheckAsync(string value, CancellationToken cancellationToken);
}

/// <summary>
/// Optional store capability: enqueueing inside the caller's own transaction (outbox). A store that does not implement
/// it refuses every publish inside a caller's transaction, whether or not a destination matches.
/// </summary>
public interface IWebhookOutboxStore
{
    /// <summary>
    /// Checks that a transaction can carry an enqueue into this store: its type, that it is open, and that its connection
    /// is to this store's database. Throws <see cref="ArgumentException"/> saying which otherwise.
    /// </summary>
    /// <param name="transaction">The caller's transaction.</param>
    void ValidateTransaction(System.Data.Common.DbTransaction transaction);
}

namespace Webhooks.Sdk.Storage;

/// <summary>Correlation ids: the id of the item a destination created for a correlation key (a ticket, an alert), so later events update it.</summary>
public interface ICorrelationStore
{
    /// <summary>Gets the id of the item created for a correlation key at a destination.</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="destinationId">The destination id.</param>
    /// <param name="correlationKey">The correlation key.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The id, or <see langword="null"/>.</returns>
    Task<string?> GetCorrelationIdAsync(string tenantId, string destinationId, string correlationKey, CancellationToken cancellationToken);

    /// <summary>Sets (or replaces) the id of the item created for a correlation key at a destination.</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="destinationId">The destination id.</param>
    /// <param name="correlationKey">The correlation key.</param>
    /// <param name="correlationId">The created item's id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when stored.</returns>
    Task SetCorrelationIdAsync(string tenantId, string destinationId, string correlationKey, string correlationId, CancellationToken cancellationToken);

    /// <summary>Forgets the id stored for a correlation key at a destination (the item was closed or deleted).</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="destinationId">The destination id.</param>
    /// <param name="correlationKey">The correlation key.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns><see langword="false"/> when there was none.</returns>
    Task<bool> ClearCorrelationIdAsync(string tenantId, string destinationId, string correlationKey, CancellationToken cancellationToken);
}

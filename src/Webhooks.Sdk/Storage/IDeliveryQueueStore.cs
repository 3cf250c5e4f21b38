namespace Webhooks.Sdk.Storage;

/// <summary>
/// The delivery queue. The state machine every store follows:
/// <list type="bullet">
/// <item><see cref="EnqueueAsync"/> returns only once the event and its deliveries are durable (for durable stores),
/// and throws otherwise.</item>
/// <item>A lease hands a due, pending delivery to exactly one caller until <see cref="LeasedDelivery.LeaseExpiresAt"/>;
/// after that it is due again and may be leased by anyone (with a new token). This is how deliveries in flight when a
/// process dies are retried: at-least-once, never lost. A worker whose attempt outlives the lease renews it
/// (<see cref="RenewLeasesAsync"/>).</item>
/// <item>Completing or renewing with a token that is no longer current (another caller leased the delivery since)
/// changes nothing and reports <see langword="false"/>; an attempt a stale completion carries is still recorded when the
/// delivery exists. Completing or renewing after expiry while nobody else has leased it may succeed.</item>
/// <item>Deliveries are leased in due-time order, then enqueue order (<see cref="DeliveryRecord.Sequence"/>); where a
/// delivery whose lease expired falls in that order is not specified. Among pending deliveries (leased or not) of one
/// destination that share a non-null <see cref="DeliveryRecord.OrderingKey"/>, only the one with the lowest sequence is
/// leasable; a requeued delivery with an ordering key gets a new sequence (it goes behind the others of its key).</item>
/// <item>A completion with an attempt counts that attempt (<see cref="DeliveryRecord.AttemptCount"/> becomes at least its
/// number) whether or not anything was sent: a failure while preparing an attempt is completed like a failed send.</item>
/// </list>
/// </summary>
public interface IDeliveryQueueStore
{
    /// <summary>
    /// Stores an event (once; an event id already stored in the tenant is kept as is) and its deliveries, all or nothing.
    /// Assigns each delivery's <see cref="DeliveryRecord.Sequence"/>.
    /// </summary>
    /// <param name="batch">The event and deliveries.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when they are durable.</returns>
    Task EnqueueAsync(EnqueueBatch batch, CancellationToken cancellationToken);

    /// <summary>
    /// Enqueues like <see cref="EnqueueAsync"/>, and writes some of the deliveries already leased under
    /// <paramref name="lease"/> so the enqueuing process hands them straight to its workers, without a lease round
    /// trip. The rule: only a pending delivery without an <see cref="DeliveryRecord.OrderingKey"/> may be written
    /// leased (a delivery with a key may have another pending delivery of its key ahead of it, so it waits for the
    /// queue's order); at most <see cref="EnqueueLease.MaxCount"/> of them, the first ones in batch order; none in a
    /// caller's transaction (<see cref="EnqueueBatch.Transaction"/>: nothing may be sent before that commits). A delivery
    /// written leased is held exactly as if <see cref="LeaseDueAsync"/> had returned it under the lease's token: it can
    /// be renewed and completed with that token, and is due again when the lease expires (so a crash loses nothing).
    /// A store may lease fewer or none; the default implementation leases none, and the deliveries are then leased from
    /// the queue as usual.
    /// </summary>
    /// <param name="batch">The event and deliveries.</param>
    /// <param name="lease">The lease to write on the deliveries that may take it.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>For each delivery of the batch, in order, whether it was written leased; once they are durable.</returns>
    async Task<IReadOnlyList<bool>> EnqueueLeasedAsync(EnqueueBatch batch, EnqueueLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await EnqueueAsync(batch, cancellationToken).ConfigureAwait(false);
        return new bool[batch.Deliveries.Count];
    }

    /// <summary>Leases up to <see cref="LeaseRequest.MaxCount"/> due pending deliveries (see the ordering rules above).</summary>
    /// <param name="request">The lease request.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The leased deliveries with their events.</returns>
    Task<IReadOnlyList<LeasedDelivery>> LeaseDueAsync(LeaseRequest request, CancellationToken cancellationToken);

    /// <summary>Extends leases still held to <see cref="LeaseRenewal.Now"/> + <see cref="LeaseRenewal.Duration"/>.</summary>
    /// <param name="renewal">The leases and the new duration.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The leases that were renewed (those still held with their token), in no particular order.</returns>
    Task<IReadOnlyList<LeaseHandle>> RenewLeasesAsync(LeaseRenewal renewal, CancellationToken cancellationToken);

    /// <summary>Records each completion's attempt (if any) and moves each leased delivery to its next state, releasing its lease; one commit for the batch.</summary>
    /// <param name="completions">The completions.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>For each completion, in order, <see langword="false"/> when its lease was no longer held (its state is unchanged).</returns>
    Task<IReadOnlyList<bool>> CompleteAsync(IReadOnlyList<DeliveryCompletion> completions, CancellationToken cancellationToken);

    /// <summary>Gets the earliest time a pending delivery is or becomes leasable: its due time when not leased, its lease expiry when leased.</summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The time, or <see langword="null"/> when nothing is pending.</returns>
    Task<DateTimeOffset?> GetNextDueTimeAsync(CancellationToken cancellationToken);

    /// <summary>Makes a final delivery pending again, due at <paramref name="now"/>, with one more attempt allowed.</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="deliveryId">The delivery id.</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns><see langword="false"/> when it does not exist or is still pending.</returns>
    Task<bool> RequeueDeliveryAsync(string tenantId, string deliveryId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Makes every failed delivery of a destination completed at or after <paramref name="since"/> pending again (see <see cref="RequeueDeliveryAsync"/>).</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="destinationId">The destination id.</param>
    /// <param name="since">The earliest completion time to replay.</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many were requeued.</returns>
    Task<int> RequeueFailedAsync(string tenantId, string destinationId, DateTimeOffset since, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>An event and its deliveries to enqueue together.</summary>
public sealed record EnqueueBatch
{
    /// <summary>Gets the event.</summary>
    public required StoredEvent Event { get; init; }

    /// <summary>Gets the deliveries (may be empty: the event is then not stored).</summary>
    public required IReadOnlyList<DeliveryRecord> Deliveries { get; init; }

    /// <summary>Gets the caller's open transaction to enqueue in (outbox), or <see langword="null"/>. Its type is the store's (for example <c>SqliteTransaction</c>).</summary>
    public System.Data.Common.DbTransaction? Transaction { get; init; }
}

/// <summary>A lease written at enqueue (see <see cref="IDeliveryQueueStore.EnqueueLeasedAsync"/>).</summary>
public sealed record EnqueueLease
{
    /// <summary>Gets the token that proves the lease (as <see cref="LeasedDelivery.LeaseToken"/>).</summary>
    public required string LeaseToken { get; init; }

    /// <summary>Gets when the lease expires; after that the deliveries are due again.</summary>
    public required DateTimeOffset LeaseExpiresAt { get; init; }

    /// <summary>Gets the most deliveries to write leased.</summary>
    public required int MaxCount { get; init; }
}

/// <summary>A request to lease due deliveries.</summary>
public sealed record LeaseRequest
{
    /// <summary>Gets the most deliveries to lease.</summary>
    public required int MaxCount { get; init; }

    /// <summary>Gets the current time: deliveries due at or before it are leasable.</summary>
    public required DateTimeOffset Now { get; init; }

    /// <summary>Gets how long the lease lasts.</summary>
    public required TimeSpan Duration { get; init; }
}

/// <summary>Identifies one held lease: the delivery and the token its lease was granted with.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="DeliveryId">The delivery id.</param>
/// <param name="LeaseToken">The token from <see cref="LeasedDelivery.LeaseToken"/>.</param>
public readonly record struct LeaseHandle(string TenantId, string DeliveryId, string LeaseToken);

/// <summary>A request to extend leases.</summary>
public sealed record LeaseRenewal
{
    /// <summary>Gets the leases to extend.</summary>
    public required IReadOnlyList<LeaseHandle> Leases { get; init; }

    /// <summary>Gets the current time.</summary>
    public required DateTimeOffset Now { get; init; }

    /// <summary>Gets how long the leases last from <see cref="Now"/>.</summary>
    public required TimeSpan Duration { get; init; }
}

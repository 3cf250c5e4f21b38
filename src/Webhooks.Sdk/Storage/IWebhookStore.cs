namespace Webhooks.Sdk.Storage;

/// <summary>
/// Where destinations, the delivery queue and history live. The contract (every implementation passes the contract
/// suite in <c>Webhooks.Sdk.Testing</c>):
/// <list type="bullet">
/// <item>Every query is scoped by tenant: nothing of one tenant is visible through another's id.</item>
/// <item><see cref="EnqueueAsync"/> returns only once the event and its deliveries are durable (for durable stores),
/// and throws otherwise.</item>
/// <item>A lease hands a due, pending delivery to exactly one caller until <see cref="LeasedDelivery.LeaseExpiresAt"/>;
/// after that it is due again and may be leased by anyone (with a new token). This is how deliveries in flight when a
/// process dies are retried: at-least-once, never lost. Completing with a token that is no longer current (another
/// caller leased the delivery since) changes nothing and returns <see langword="false"/>; an attempt it carries is still
/// recorded when the delivery exists. Completing after expiry while nobody else has leased it may succeed.</item>
/// <item>Deliveries are leased in due-time order, then enqueue order (<see cref="DeliveryRecord.Sequence"/>); where a
/// delivery whose lease expired falls in that order is not specified. Among pending deliveries (leased or not) of one
/// destination that share a non-null <see cref="DeliveryRecord.OrderingKey"/>, only the one with the lowest sequence is
/// leasable; a requeued delivery with an ordering key gets a new sequence (it goes behind the others of its key).</item>
/// <item>Destinations list newest first (created time, then id, descending), paged by skip/take; deliveries list newest
/// first by sequence, paged by <see cref="DeliveryQuery.BeforeSequence"/>; attempts list by number ascending.</item>
/// <item>Times round-trip at least to the microsecond (PostgreSQL keeps microseconds); durable stores keep the event
/// as <see cref="StoredEvent.Json"/> and return <see cref="StoredEvent.Instance"/> as <see langword="null"/>.</item>
/// </list>
/// </summary>
public interface IWebhookStore
{
    /// <summary>Inserts a destination. Throws <see cref="InvalidOperationException"/> when the id exists in the tenant.</summary>
    /// <param name="destination">The destination.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when it is stored.</returns>
    Task InsertDestinationAsync(DestinationRecord destination, CancellationToken cancellationToken);

    /// <summary>Gets a destination.</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="id">The destination id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The destination, or <see langword="null"/>.</returns>
    Task<DestinationRecord?> GetDestinationAsync(string tenantId, string id, CancellationToken cancellationToken);

    /// <summary>Lists a tenant's destinations, newest first.</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="skip">How many to skip.</param>
    /// <param name="take">How many to return at most.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The page.</returns>
    Task<IReadOnlyList<DestinationRecord>> ListDestinationsAsync(string tenantId, int skip, int take, CancellationToken cancellationToken);

    /// <summary>Counts a tenant's destinations.</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The count.</returns>
    Task<int> CountDestinationsAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>Gets every enabled destination of a tenant (for routing), in no particular order.</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The destinations.</returns>
    Task<IReadOnlyList<DestinationRecord>> GetEnabledDestinationsAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>Replaces a destination's name, enabled flag, settings, auth, updated time, failure counter and disabled reason.</summary>
    /// <param name="destination">The destination.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns><see langword="false"/> when it does not exist.</returns>
    Task<bool> UpdateDestinationAsync(DestinationRecord destination, CancellationToken cancellationToken);

    /// <summary>Deletes a destination, its pending deliveries (with their attempts) and its correlation ids; history of final deliveries stays until purged.</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="id">The destination id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns><see langword="false"/> when it did not exist.</returns>
    Task<bool> DeleteDestinationAsync(string tenantId, string id, CancellationToken cancellationToken);

    /// <summary>
    /// Atomically records an attempt's effect on a destination's health: success sets the last success time and resets
    /// the counter; failure sets the last failure time, increments the counter and disables the destination (with a
    /// reason) when the counter reaches the threshold; <see cref="DestinationOutcome.DisableNowReason"/> disables it at once.
    /// </summary>
    /// <param name="outcome">The outcome.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The destination after the change, or <see langword="null"/> when it no longer exists.</returns>
    Task<DestinationOutcomeResult?> RecordDestinationOutcomeAsync(DestinationOutcome outcome, CancellationToken cancellationToken);

    /// <summary>
    /// Stores an event (once; an event id already stored in the tenant is kept as is) and its deliveries, all or nothing.
    /// Assigns each delivery's <see cref="DeliveryRecord.Sequence"/>.
    /// </summary>
    /// <param name="batch">The event and deliveries.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when they are durable.</returns>
    Task EnqueueAsync(EnqueueBatch batch, CancellationToken cancellationToken);

    /// <summary>Leases up to <see cref="LeaseRequest.MaxCount"/> due pending deliveries (see the ordering rules above).</summary>
    /// <param name="request">The lease request.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The leased deliveries with their events.</returns>
    Task<IReadOnlyList<LeasedDelivery>> LeaseDueAsync(LeaseRequest request, CancellationToken cancellationToken);

    /// <summary>Records an attempt (if any) and moves a leased delivery to its next state, releasing the lease.</summary>
    /// <param name="completion">The completion.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns><see langword="false"/> when the lease was no longer held (the state is unchanged).</returns>
    Task<bool> CompleteAsync(DeliveryCompletion completion, CancellationToken cancellationToken);

    /// <summary>Gets the earliest time a pending delivery is or becomes leasable: its due time when not leased, its lease expiry when leased.</summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The time, or <see langword="null"/> when nothing is pending.</returns>
    Task<DateTimeOffset?> GetNextDueTimeAsync(CancellationToken cancellationToken);

    /// <summary>Stores a test delivery that already happened: its event, the final delivery and its single attempt.</summary>
    /// <param name="evt">The synthetic event.</param>
    /// <param name="delivery">The final delivery.</param>
    /// <param name="attempt">The attempt.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when stored.</returns>
    Task RecordTestDeliveryAsync(StoredEvent evt, DeliveryRecord delivery, AttemptRecord attempt, CancellationToken cancellationToken);

    /// <summary>Gets a delivery.</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="deliveryId">The delivery id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The delivery, or <see langword="null"/>.</returns>
    Task<DeliveryRecord?> GetDeliveryAsync(string tenantId, string deliveryId, CancellationToken cancellationToken);

    /// <summary>Lists deliveries newest first.</summary>
    /// <param name="query">The query.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The deliveries.</returns>
    Task<IReadOnlyList<DeliveryRecord>> ListDeliveriesAsync(DeliveryQuery query, CancellationToken cancellationToken);

    /// <summary>Lists a delivery's attempts by number.</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="deliveryId">The delivery id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The attempts.</returns>
    Task<IReadOnlyList<AttemptRecord>> ListAttemptsAsync(string tenantId, string deliveryId, CancellationToken cancellationToken);

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

    /// <summary>Deletes up to <paramref name="batchSize"/> final deliveries completed before <paramref name="olderThan"/>, their attempts, and events left without deliveries.</summary>
    /// <param name="olderThan">The cut-off.</param>
    /// <param name="batchSize">The most deliveries to delete in this call.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many deliveries were deleted.</returns>
    Task<int> PurgeHistoryAsync(DateTimeOffset olderThan, int batchSize, CancellationToken cancellationToken);
}

/// <summary>An event and its deliveries to enqueue together.</summary>
public sealed record EnqueueBatch
{
    /// <summary>Gets the event.</summary>
    public required StoredEvent Event { get; init; }

    /// <summary>Gets the deliveries (may be empty: the event is then not stored).</summary>
    public required IReadOnlyList<DeliveryRecord> Deliveries { get; init; }

    /// <summary>Gets the caller's open transaction to enqueue in (outbox), or <see langword="null"/>. Its type is the store's (for example <c>SqliteTransaction</c>).</summary>
    public object? Transaction { get; init; }
}

/// <summary>A request to lease due deliveries.</summary>
public sealed record LeaseRequest
{
    /// <summary>Gets who leases (for diagnostics).</summary>
    public required string Owner { get; init; }

    /// <summary>Gets the most deliveries to lease.</summary>
    public required int MaxCount { get; init; }

    /// <summary>Gets the current time: deliveries due at or before it are leasable.</summary>
    public required DateTimeOffset Now { get; init; }

    /// <summary>Gets how long the lease lasts.</summary>
    public required TimeSpan Duration { get; init; }
}

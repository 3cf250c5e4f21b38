namespace Webhooks.Sdk.Storage;

/// <summary>
/// Destinations, with optimistic concurrency. Two kinds of writes touch disjoint columns:
/// <list type="bullet">
/// <item>configuration writes (<see cref="UpdateDestinationAsync"/>): name, settings, auth, enabled-by-hand; each checks
/// <see cref="DestinationChange.ExpectedVersion"/> and increments <see cref="DestinationRecord.Version"/>, so a stale
/// write fails with <see cref="WebhookConcurrencyException"/> instead of winning;</item>
/// <item>health writes (<see cref="RecordDestinationOutcomeAsync"/>): failure counter, last success and failure times,
/// auto-disable; they never change the version, the name, the settings or the auth, and a configuration write never
/// rewrites the failure counter or the last times, nor the enabled flag unless it sets it explicitly.</item>
/// </list>
/// So an auto-disable racing a rename leaves the destination disabled, and an update racing a secret rotation either
/// fails (stale version) or does not touch the auth column.
/// </summary>
public interface IDestinationStore
{
    /// <summary>
    /// Inserts a destination with <see cref="DestinationRecord.Version"/> 1, unless the id exists in the tenant or the
    /// tenant already has <paramref name="maxPerTenant"/> destinations. The count and the insert are one atomic step:
    /// concurrent inserts (from any number of processes) never exceed the cap.
    /// </summary>
    /// <param name="destination">The destination (its <see cref="DestinationRecord.Version"/> is ignored).</param>
    /// <param name="maxPerTenant">The most destinations the tenant may have.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>What happened; nothing is stored unless <see cref="DestinationInsertResult.Inserted"/>.</returns>
    Task<DestinationInsertResult> InsertDestinationAsync(DestinationRecord destination, int maxPerTenant, CancellationToken cancellationToken);

    /// <summary>Gets a destination.</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="id">The destination id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The destination, or <see langword="null"/>.</returns>
    Task<DestinationRecord?> GetDestinationAsync(string tenantId, string id, CancellationToken cancellationToken);

    /// <summary>Lists a tenant's destinations newest first (created time, then id, descending), one page at a time.</summary>
    /// <param name="query">The query.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The page; <see cref="WebhookCursorPage{T}.NextCursor"/> is <see langword="null"/> on the last page.</returns>
    Task<WebhookCursorPage<DestinationRecord>> ListDestinationsAsync(DestinationListQuery query, CancellationToken cancellationToken);

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

    /// <summary>
    /// Applies a configuration change: writes only the fields the change sets, sets the updated time and increments the
    /// version. Throws <see cref="WebhookConcurrencyException"/> when <see cref="DestinationChange.ExpectedVersion"/> is set
    /// and is not the stored version (nothing is written then).
    /// </summary>
    /// <param name="change">The change.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The destination after the change, or <see langword="null"/> when it does not exist.</returns>
    Task<DestinationRecord?> UpdateDestinationAsync(DestinationChange change, CancellationToken cancellationToken);

    /// <summary>Deletes a destination, its pending deliveries (with their attempts) and its correlation ids; history of final deliveries stays until purged.</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="id">The destination id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns><see langword="false"/> when it did not exist.</returns>
    Task<bool> DeleteDestinationAsync(string tenantId, string id, CancellationToken cancellationToken);

    /// <summary>
    /// Atomically records an attempt's effect on a destination's health: success sets the last success time and resets
    /// the counter; failure sets the last failure time, increments the counter and disables the destination when the
    /// counter reaches the threshold, with the reason <c>Disabled automatically after {n} consecutive failed attempts.</c>;
    /// <see cref="DestinationOutcome.DisableNowReason"/> disables it at once. Writes health columns only.
    /// </summary>
    /// <param name="outcome">The outcome.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The destination after the change, or <see langword="null"/> when it no longer exists.</returns>
    Task<DestinationOutcomeResult?> RecordDestinationOutcomeAsync(DestinationOutcome outcome, CancellationToken cancellationToken);
}

/// <summary>The result of <see cref="IDestinationStore.InsertDestinationAsync"/>.</summary>
public enum DestinationInsertResult
{
    /// <summary>The destination was stored.</summary>
    Inserted = 0,

    /// <summary>A destination with this id already exists in the tenant; nothing was stored.</summary>
    AlreadyExists = 1,

    /// <summary>The tenant already has as many destinations as allowed; nothing was stored.</summary>
    LimitReached = 2,
}

/// <summary>A page of a tenant's destinations to list, newest first.</summary>
public sealed record DestinationListQuery
{
    /// <summary>Gets the tenant.</summary>
    public required string TenantId { get; init; }

    /// <summary>Gets the most destinations to return.</summary>
    public int Limit { get; init; } = 50;

    /// <summary>Gets the <see cref="WebhookCursorPage{T}.NextCursor"/> of the previous page, or <see langword="null"/> for the first page.</summary>
    public string? Cursor { get; init; }
}

/// <summary>A configuration change to a destination: only the fields set here are written.</summary>
public sealed record DestinationChange
{
    /// <summary>Gets the tenant.</summary>
    public required string TenantId { get; init; }

    /// <summary>Gets the destination id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the version the writer read, or <see langword="null"/> to write whatever the stored version.</summary>
    public long? ExpectedVersion { get; init; }

    /// <summary>Gets the time of the change (the new <see cref="DestinationRecord.UpdatedAt"/>).</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Gets the new name, or <see langword="null"/> to keep it.</summary>
    public string? Name { get; init; }

    /// <summary>Gets the new settings, or <see langword="null"/> to keep them.</summary>
    public string? ConfigJson { get; init; }

    /// <summary>Gets a value indicating whether <see cref="ProtectedAuth"/> replaces the stored auth (a secret rotation or an auth change).</summary>
    public bool ReplaceAuth { get; init; }

    /// <summary>Gets the new protected auth, written only when <see cref="ReplaceAuth"/> is set.</summary>
    public string? ProtectedAuth { get; init; }

    /// <summary>
    /// Gets the enabled flag to set by hand, or <see langword="null"/> to keep it. Enabling resets the failure counter
    /// and clears the disabled reason; disabling records <see cref="DisabledReason"/>.
    /// </summary>
    public bool? Enabled { get; init; }

    /// <summary>Gets why the destination is disabled by hand (with <see cref="Enabled"/> = <see langword="false"/>).</summary>
    public string? DisabledReason { get; init; }
}

using Npgsql;
using Webhooks.Sdk.Relational;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.PostgreSql;

/// <summary>
/// The queue writes that make work due for every instance (enqueue, requeue) and the NOTIFY that wakes their
/// dispatchers: after the store's own commit, concurrent writes share one NOTIFY; inside a caller's transaction the
/// NOTIFY is part of it (sent only if it commits).
/// </summary>
public sealed partial class PostgreSqlWebhookStore
{
    /// <inheritdoc />
    public Task EnqueueAsync(EnqueueBatch batch, CancellationToken cancellationToken)
        => EnqueueCore(batch, null, null, cancellationToken);

    private Task EnqueueCore(EnqueueBatch batch, EnqueueLease? lease, bool[]? leased, CancellationToken cancellationToken)
        => RelationalOutbox.EnqueueAsync<NpgsqlTransaction>(
            batch,
            "PostgreSQL",
            async () =>
            {
                await InitializeAsync(cancellationToken).ConfigureAwait(false);
                await EnqueueGroupedAsync(batch, lease, leased, cancellationToken).ConfigureAwait(false);
            },
            async callerTx =>
            {
                await InitializeAsync(cancellationToken).ConfigureAwait(false);
                await using var command = EnqueueCommand(callerTx.Connection!, callerTx, [new PendingEnqueue(batch, null, null, cancellationToken)], notify: true);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            });

    /// <inheritdoc />
    public async Task<IReadOnlyList<bool>> EnqueueLeasedAsync(EnqueueBatch batch, EnqueueLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var leased = EnqueueLeaseRule.Apply(batch, lease);
        await EnqueueCore(batch, lease, leased, cancellationToken).ConfigureAwait(false);
        return leased;
    }

    /// <inheritdoc />
    public async Task<bool> RequeueDeliveryAsync(string tenantId, string deliveryId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var requeued = await RunAsync(c => _queue.RequeueAsync(c, null, tenantId, deliveryId, now, cancellationToken), cancellationToken).ConfigureAwait(false);
        NotifyIf(requeued);
        return requeued;
    }

    /// <inheritdoc />
    public async Task<int> RequeueFailedAsync(string tenantId, string destinationId, DateTimeOffset since, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var count = await InTransactionAsync((c, tx) => _queue.RequeueFailedAsync(c, tx, tenantId, destinationId, since, now, cancellationToken), cancellationToken).ConfigureAwait(false);
        NotifyIf(count > 0);
        return count;
    }

    private void NotifyIf(bool changed)
    {
        if (changed)
        {
            RequestNotify();
        }
    }

    private void RequestNotify()
    {
        Volatile.Write(ref _notifyPending, 1);
        if (Interlocked.CompareExchange(ref _notifyRunning, 1, 0) == 0)
        {
            _ = NotifyLoopAsync();
        }
    }

    private async Task NotifyLoopAsync()
    {
        try
        {
            while (Interlocked.Exchange(ref _notifyPending, 0) == 1)
            {
                try
                {
                    await ExecAsync($"SELECT pg_notify('{_channel}', '');", null, CancellationToken.None).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // A lost wake-up only delays other instances until their next poll.
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }
        }
        finally
        {
            Volatile.Write(ref _notifyRunning, 0);
            if (Volatile.Read(ref _notifyPending) == 1 && Interlocked.CompareExchange(ref _notifyRunning, 1, 0) == 0)
            {
                _ = NotifyLoopAsync();
            }
        }
    }
}

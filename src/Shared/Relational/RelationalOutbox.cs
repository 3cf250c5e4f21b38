using System.Data.Common;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Relational;

/// <summary>The outbox rules of the relational stores: which transaction an enqueue joins, and the caller's transaction checks.</summary>
internal static class RelationalOutbox
{
    /// <summary>
    /// Enqueues a batch in the caller's transaction when it carries one (outbox), else in the store's own; nothing
    /// when it has no deliveries.
    /// </summary>
    /// <typeparam name="TTransaction">The store's transaction type.</typeparam>
    /// <param name="batch">The batch.</param>
    /// <param name="storeName">The store's name, for errors.</param>
    /// <param name="inOwnTransaction">Writes the batch in the store's own transaction.</param>
    /// <param name="inCallerTransaction">Writes the batch in the caller's open transaction.</param>
    /// <returns>A task that completes when the batch is written (committed, or pending the caller's commit).</returns>
    public static Task EnqueueAsync<TTransaction>(EnqueueBatch batch, string storeName, Func<Task> inOwnTransaction, Func<TTransaction, Task> inCallerTransaction)
        where TTransaction : DbTransaction
    {
        if (!RelationalQueue.HasWork<TTransaction>(batch, storeName, out var callerTransaction))
        {
            return Task.CompletedTask;
        }

        return callerTransaction is null ? inOwnTransaction() : inCallerTransaction(callerTransaction);
    }

    /// <summary>Checks that a caller's transaction is the store's type and still open, and returns it typed.</summary>
    /// <typeparam name="TTransaction">The store's transaction type.</typeparam>
    /// <param name="transaction">The caller's transaction.</param>
    /// <param name="storeName">The store's name, for the error.</param>
    /// <returns>The transaction.</returns>
    public static TTransaction Open<TTransaction>(DbTransaction transaction, string storeName)
        where TTransaction : DbTransaction
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (transaction is not TTransaction tx)
        {
            throw new ArgumentException(
                $"PublishAsync(event, transaction): the {storeName} store enqueues only in an open {typeof(TTransaction).Name} on its database, not a {transaction.GetType().Name}.", nameof(transaction));
        }

        return tx.Connection is null ? throw new ArgumentException("PublishAsync(event, transaction): the transaction is already committed or rolled back.", nameof(transaction)) : tx;
    }

    /// <summary>Publishes an event inside the caller's transaction (the typed outbox overloads of the store packages).</summary>
    /// <param name="publisher">The publisher.</param>
    /// <param name="webhookEvent">The event.</param>
    /// <param name="transaction">The caller's open transaction.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The event id and the queued deliveries (queued once the transaction commits).</returns>
    public static Task<PublishResult> PublishAsync(IWebhookPublisher publisher, WebhookEvent webhookEvent, DbTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        ArgumentNullException.ThrowIfNull(transaction);
        return publisher.PublishAsync(webhookEvent, new WebhookPublishOptions { Transaction = transaction }, cancellationToken);
    }
}

/// <summary>Runs a store's schema creation or migration once, however many callers race to it.</summary>
internal sealed class SchemaGate : IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private volatile bool _done;

    /// <summary>Runs <paramref name="initialize"/> unless it already completed; a failure lets the next caller try again.</summary>
    /// <param name="initialize">Creates or migrates the schema.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the schema is current.</returns>
    public async Task RunOnceAsync(Func<CancellationToken, Task> initialize, CancellationToken cancellationToken)
    {
        if (_done)
        {
            return;
        }

        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_done)
            {
                await initialize(cancellationToken).ConfigureAwait(false);
                _done = true;
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _lock.Dispose();
}

/// <summary>Option helpers of the relational stores' builder extensions.</summary>
internal static class RelationalOptions
{
    /// <summary>Makes the configure action of a <c>UseXStore(connectionString, configure)</c> overload: set the connection string, then the caller's changes.</summary>
    /// <typeparam name="TOptions">The store's options.</typeparam>
    /// <param name="connectionString">The connection string (checked now, not when the options are built).</param>
    /// <param name="set">Sets it on the options.</param>
    /// <param name="configure">The caller's further changes, or <see langword="null"/>.</param>
    /// <returns>The configure action.</returns>
    public static Action<TOptions> Then<TOptions>(string connectionString, Action<TOptions, string> set, Action<TOptions>? configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return o =>
        {
            set(o, connectionString);
            configure?.Invoke(o);
        };
    }
}

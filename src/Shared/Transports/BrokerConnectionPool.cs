using System.Collections.Concurrent;

namespace Webhooks.Sdk.Transports;

/// <summary>
/// One open connection per destination, for the transports that keep broker connections (RabbitMQ, NATS): an attempt
/// reuses the destination's connection while it is usable for the destination's current version; otherwise one is
/// opened under a lock (one connect at a time), replacing the stale one. Compiled into each transport package.
/// </summary>
/// <typeparam name="TEntry">What the transport keeps per destination (a connection and what goes with it).</typeparam>
internal sealed class BrokerConnectionPool<TEntry> : IAsyncDisposable
    where TEntry : class, IAsyncDisposable
{
    private readonly ConcurrentDictionary<(string Tenant, string Id), TEntry> _entries = new();
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly Func<TEntry, string, bool> _usable;

    /// <summary>Initializes a new instance of the <see cref="BrokerConnectionPool{TEntry}"/> class.</summary>
    /// <param name="usable">Whether an entry is still usable for a destination version (open, and opened for that version).</param>
    public BrokerConnectionPool(Func<TEntry, string, bool> usable) => _usable = usable;

    /// <summary>Gets the destination's usable entry, or opens one.</summary>
    /// <param name="identity">The destination's key and version (see <see cref="BrokerConnections.ConnectionIdentity"/>).</param>
    /// <param name="open">
    /// Opens an entry; receives the stale entry (already out of the pool), or <see langword="null"/>, and either reuses part
    /// of it or disposes it.
    /// </param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The entry.</returns>
    public async Task<TEntry> GetOrOpenAsync(((string Tenant, string Id) Key, string Version) identity, Func<TEntry?, Task<TEntry>> open, CancellationToken cancellationToken)
    {
        if (_entries.TryGetValue(identity.Key, out var entry) && _usable(entry, identity.Version))
        {
            return entry;
        }

        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_entries.TryGetValue(identity.Key, out entry))
            {
                if (_usable(entry, identity.Version))
                {
                    return entry;
                }

                _entries.TryRemove(identity.Key, out _);
            }

            var opened = await open(entry).ConfigureAwait(false);
            _entries[identity.Key] = opened;
            return opened;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>Removes and disposes an entry that failed, unless another attempt has replaced it already.</summary>
    /// <param name="key">The destination's key.</param>
    /// <param name="entry">The entry that failed.</param>
    /// <returns>A task that completes when the entry is disposed.</returns>
    public async Task DropAsync((string Tenant, string Id) key, TEntry entry)
    {
        if (_entries.TryGetValue(key, out var current) && ReferenceEquals(current, entry) && _entries.TryRemove(key, out _))
        {
            await entry.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var key in _entries.Keys.ToArray())
        {
            if (_entries.TryRemove(key, out var entry))
            {
                await entry.DisposeAsync().ConfigureAwait(false);
            }
        }

        _connectLock.Dispose();
    }
}

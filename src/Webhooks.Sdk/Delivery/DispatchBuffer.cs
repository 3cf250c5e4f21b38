using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Delivery;

/// <summary>
/// The dispatcher's in-memory buffer of leased deliveries waiting for its long-lived workers, shared by its two
/// producers: the lease loop (deliveries leased from the store) and the publisher's hand-off (deliveries this process
/// enqueued already leased to itself). Its room is <see cref="WebhookDispatcherOptions.MaxConcurrency"/> waiting plus
/// one per idle worker; the publisher reserves room before it enqueues, the lease loop leases no more than the free
/// room, so the buffer stays bounded (past its room by at most one lease batch when both race). Also
/// holds the set of leases the dispatcher renews: every delivery from its lease (or hand-off) until its worker is done.
/// Open only while the dispatcher runs: closed, nothing can be reserved (nothing is handed off).
/// </summary>
internal sealed class DispatchBuffer
{
    private readonly int _capacity;
    private readonly DispatchSignal _room = new();
    private Channel<DispatchWork>? _channel;
    private int _occupied;
    private int _idleWorkers;

    public DispatchBuffer(IOptions<WebhooksOptions> options)
    {
        _capacity = options.Value.Dispatcher.MaxConcurrency;
    }

    /// <summary>Gets the leases this process holds and renews, from lease (or hand-off) until the worker is done.</summary>
    public ConcurrentDictionary<LeaseHandle, byte> Held { get; } = new();

    /// <summary>Gets a value indicating whether the dispatcher runs (room can be reserved).</summary>
    public bool IsOpen => Volatile.Read(ref _channel) is not null;

    /// <summary>Opens the buffer for a running dispatcher.</summary>
    /// <returns>The reader its workers take from.</returns>
    public ChannelReader<DispatchWork> Open()
    {
        var channel = Channel.CreateUnbounded<DispatchWork>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
        Volatile.Write(ref _channel, channel);
        return channel.Reader;
    }

    /// <summary>Closes the buffer: nothing more is reserved or written; the workers drain (hand back) what it holds.</summary>
    public void Close() => Interlocked.Exchange(ref _channel, null)?.Writer.TryComplete();

    /// <summary>Gets the free room (the lease loop leases up to it without reserving, so a publish during its round trip still finds room).</summary>
    public int Room => _capacity - (Volatile.Read(ref _occupied) - Volatile.Read(ref _idleWorkers));

    /// <summary>Reserves room for up to <paramref name="wanted"/> deliveries (the publisher's hand-off).</summary>
    /// <param name="wanted">How many the caller would like to add.</param>
    /// <returns>How many it may add (0 when full or closed); each is then either written or released.</returns>
    public int TryReserve(int wanted)
    {
        if (wanted <= 0 || !IsOpen)
        {
            return 0;
        }

        while (true)
        {
            var occupied = Volatile.Read(ref _occupied);
            var room = _capacity - (occupied - Volatile.Read(ref _idleWorkers));
            var take = Math.Min(wanted, room);
            if (take <= 0)
            {
                return 0;
            }

            if (Interlocked.CompareExchange(ref _occupied, occupied + take, occupied) == occupied)
            {
                return take;
            }
        }
    }

    /// <summary>Gives back reserved room that was not used.</summary>
    /// <param name="count">How many reservations to give back.</param>
    public void Release(int count)
    {
        if (count > 0)
        {
            Interlocked.Add(ref _occupied, -count);
            _room.Notify();
        }
    }

    /// <summary>
    /// Adds a leased delivery without a reservation (the lease loop, which leased no more than <see cref="Room"/>; a
    /// hand-off reserved meanwhile may take the buffer past its room by at most one lease batch).
    /// </summary>
    /// <param name="work">The delivery and its destination.</param>
    /// <returns><see langword="false"/> when the buffer has closed: the caller hands the delivery back.</returns>
    public bool TryAdd(DispatchWork work)
    {
        Interlocked.Increment(ref _occupied);
        return TryWrite(work);
    }

    /// <summary>Adds a delivery in reserved room (registering its lease for renewal first).</summary>
    /// <param name="work">The delivery and its destination.</param>
    /// <returns><see langword="false"/> when the buffer has closed meanwhile: the reservation is released, the caller hands the delivery back.</returns>
    public bool TryWrite(DispatchWork work)
    {
        var handle = work.Handle;
        Held[handle] = 0;
        if (Volatile.Read(ref _channel) is { } channel && channel.Writer.TryWrite(work))
        {
            return true;
        }

        Held.TryRemove(handle, out _);
        Release(1);
        return false;
    }

    /// <summary>
    /// Takes the next delivery (a worker), waiting for one as an idle worker (counted as room while it waits) when none
    /// is waiting. Each delivery written wakes exactly one waiting worker: a wait for "something to read" would wake
    /// every idle worker for each delivery, and all but one would go back to sleep.
    /// </summary>
    /// <param name="reader">The reader from <see cref="Open"/>.</param>
    /// <returns>The delivery, or <see langword="null"/> when the buffer is closed and drained.</returns>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<DispatchWork?> TakeAsync(ChannelReader<DispatchWork> reader)
    {
        if (!reader.TryRead(out var work))
        {
            Interlocked.Increment(ref _idleWorkers);
            _room.Notify();
            try
            {
                work = await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                return null;
            }
            finally
            {
                Interlocked.Decrement(ref _idleWorkers);
            }
        }

        Interlocked.Decrement(ref _occupied);
        _room.Notify();
        return work;
    }

    /// <summary>Waits until room may have been freed, or the timeout.</summary>
    public Task WaitForRoomAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken) => _room.WaitAsync(timeout, time, cancellationToken);
}

/// <summary>A leased delivery waiting for a worker, with its resolved destination.</summary>
/// <param name="Item">The leased delivery.</param>
/// <param name="Destination">The destination's runtime (null with <paramref name="Unreadable"/> null: deleted).</param>
/// <param name="Unreadable">Why the destination cannot be read, or null.</param>
internal readonly record struct DispatchWork(LeasedDelivery Item, DestinationRuntime? Destination, string? Unreadable)
{
    /// <summary>Gets the delivery's lease.</summary>
    public LeaseHandle Handle => new(Item.Delivery.TenantId, Item.Delivery.Id, Item.LeaseToken);
}

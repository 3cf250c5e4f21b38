using Microsoft.Extensions.Logging;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Delivery;

/// <summary>
/// Group commit of delivery completions: outcomes that arrive while a store call is running go together into the next
/// <see cref="IDeliveryQueueStore.CompleteAsync"/> call (one statement batch, one commit), so the store pays per batch,
/// not per delivery, and a lone outcome at idle is written at once (no timer, no added latency).
/// <para>
/// What a crash can cost: a completion waiting here is not durable. Its delivery stays leased in the store, this
/// instance keeps renewing that lease until the completion is written (<see cref="PendingLeases"/>), and if the process
/// dies first the lease expires and the delivery is sent again: a duplicate, never a loss. Callers that need the
/// outcome durable before going on (failures with their retry schedule, postponements) await the returned task; a
/// success only frees its worker.
/// </para>
/// </summary>
internal sealed class CompletionBatcher
{
    /// <summary>The most completions written in one store call.</summary>
    internal const int MaxBatch = 256;

    private readonly IDeliveryQueueStore _store;
    private readonly ILogger _logger;
    private readonly object _sync = new();
    private List<Pending> _queue = [];
    private List<Pending>? _writing;
    private bool _flushing;
    private TaskCompletionSource? _drained;

    public CompletionBatcher(IWebhookStore store, ILogger<CompletionBatcher> logger)
    {
        _store = store;
        _logger = logger;
    }

    /// <summary>Queues a completion for the next batch.</summary>
    /// <param name="completion">The completion.</param>
    /// <returns>A task completing once it is written: <see langword="false"/> when the lease was no longer held. It faults when the store failed.</returns>
    public Task<bool> CompleteAsync(DeliveryCompletion completion)
    {
        var pending = new Pending(completion);
        bool start;
        lock (_sync)
        {
            _queue.Add(pending);
            start = !_flushing;
            _flushing = true;
        }

        if (start)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static self => _ = self.FlushLoopAsync(), this, preferLocal: false);
        }

        return pending.Task;
    }

    /// <summary>Queues a completion nobody waits for (a success): a store failure is logged, and the lease expiry retries it.</summary>
    public void Complete(DeliveryCompletion completion)
    {
        var task = CompleteAsync(completion);
        task.ContinueWith(
            static (t, state) =>
            {
                var (logger, id) = ((ILogger, string))state!;
                if (t.IsFaulted)
                {
                    Log.ProcessingFailed(logger, t.Exception!.GetBaseException(), id);
                }
                else if (!t.Result)
                {
                    Log.LeaseLost(logger, id);
                }
            },
            (_logger, completion.DeliveryId),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Waits until every completion queued so far is written (or failed).</summary>
    public Task FlushAsync()
    {
        lock (_sync)
        {
            if (!_flushing)
            {
                return Task.CompletedTask;
            }

            return (_drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>Gets the leases of completions not written yet (the dispatcher renews them).</summary>
    public List<LeaseHandle> PendingLeases()
    {
        var handles = new List<LeaseHandle>();
        lock (_sync)
        {
            foreach (var list in new[] { _queue, _writing })
            {
                if (list is null)
                {
                    continue;
                }

                foreach (var p in list)
                {
                    handles.Add(new LeaseHandle(p.Completion.TenantId, p.Completion.DeliveryId, p.Completion.LeaseToken));
                }
            }
        }

        return handles;
    }

    private async Task FlushLoopAsync()
    {
        while (true)
        {
            List<Pending> batch;
            lock (_sync)
            {
                if (_queue.Count == 0)
                {
                    _writing = null;
                    _flushing = false;
                    _drained?.TrySetResult();
                    _drained = null;
                    return;
                }

                if (_queue.Count <= MaxBatch)
                {
                    batch = _queue;
                    _queue = [];
                }
                else
                {
                    batch = _queue.GetRange(0, MaxBatch);
                    _queue.RemoveRange(0, MaxBatch);
                }

                _writing = batch;
            }

            await WriteAsync(batch).ConfigureAwait(false);
        }
    }

    private async Task WriteAsync(List<Pending> batch)
    {
        var completions = new DeliveryCompletion[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            completions[i] = batch[i].Completion;
        }

        try
        {
            var results = await _store.CompleteAsync(completions, CancellationToken.None).ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].TrySetResult(results[i]);
            }

            return;
        }
#pragma warning disable CA1031 // Reported to each waiter below (one at a time, so one bad completion does not fail the others).
        catch (Exception ex) when (batch.Count == 1)
#pragma warning restore CA1031
        {
            batch[0].TrySetException(ex);
            return;
        }
#pragma warning disable CA1031 // Retried one by one below.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        foreach (var pending in batch)
        {
            try
            {
                var results = await _store.CompleteAsync([pending.Completion], CancellationToken.None).ConfigureAwait(false);
                pending.TrySetResult(results[0]);
            }
#pragma warning disable CA1031 // The waiter sees the store's failure (the lease expires and the delivery is tried again).
            catch (Exception ex)
#pragma warning restore CA1031
            {
                pending.TrySetException(ex);
            }
        }
    }

    private sealed class Pending(DeliveryCompletion completion) : TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public DeliveryCompletion Completion { get; } = completion;
    }
}

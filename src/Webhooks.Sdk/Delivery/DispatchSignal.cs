namespace Webhooks.Sdk.Delivery;

/// <summary>An auto-reset wake-up for the dispatcher: many notifications while it is busy collapse into one.</summary>
internal sealed class DispatchSignal : IWebhookDispatchSignal
{
    private TaskCompletionSource _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Notify() => Volatile.Read(ref _tcs).TrySetResult();

    /// <summary>Waits for a notification, the timeout or cancellation, whichever is first.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var tcs = Volatile.Read(ref _tcs);
        if (!tcs.Task.IsCompleted)
        {
            try
            {
                await tcs.Task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }

        // Reset: the next Notify completes a fresh source.
        Interlocked.CompareExchange(ref _tcs, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), tcs);
    }
}

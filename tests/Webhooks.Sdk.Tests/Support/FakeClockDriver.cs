using Microsoft.Extensions.Time.Testing;

namespace Webhooks.Sdk.Tests.Support;

/// <summary>Drives a fake clock for many deliveries at once: it jumps only while none of them is due or in flight.</summary>
internal static class FakeClockDriver
{
    /// <summary>
    /// Waits (real time, bounded) until every delivery is final. Whenever each pending delivery waits for a due time in
    /// the future (a retry, a breaker's break, a throttle hold), the clock jumps to the earliest one, so the fake time of
    /// each event is exact and no attempt in flight sees the clock move under it.
    /// </summary>
    public static async Task<IReadOnlyList<WebhookDelivery>> DriveAllUntilFinalAsync(this WebhookTestHost host, FakeTimeProvider time, IReadOnlyList<string> deliveryIds, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var deliveries = new List<WebhookDelivery>(deliveryIds.Count);
            foreach (var id in deliveryIds)
            {
                deliveries.Add(await host.DeliveryLog.GetAsync(id).ConfigureAwait(false));
            }

            var pending = deliveries.Where(d => d.Status == WebhookDeliveryStatus.Pending).ToList();
            if (pending.Count == 0)
            {
                return deliveries;
            }

            var now = time.GetUtcNow();
            if (pending.All(d => d.NextAttemptAt is { } due && due > now))
            {
                time.Advance(pending.Min(d => d.NextAttemptAt!.Value) - now);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{pending.Count} deliveries still pending at fake time {now:O}: " + string.Join("; ", pending.Select(d => $"{d.Id} after {d.AttemptCount} attempt(s), due {d.NextAttemptAt:O}: {d.LastError}")));
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }
}

using System.Collections.Concurrent;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Core;

/// <summary>Small helpers shared by the core tests.</summary>
internal static class CoreTestKit
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static WebhookEvent Event(string type = "scan.completed", object? data = null)
        => WebhookEvent.Create(type, data ?? new { findings = 3 });

    /// <summary>Waits until a delivery has made <paramref name="attempts"/> attempts and is no longer leased (pending with a due time, or final).</summary>
    public static async Task<WebhookDelivery> WaitForAttemptsAsync(this WebhookTestHost host, string deliveryId, int attempts)
    {
        WebhookDelivery? delivery = null;
        await WebhookTestHost.WaitUntilAsync(
            async () =>
            {
                delivery = await host.DeliveryLog.GetAsync(deliveryId);
                return delivery.AttemptCount >= attempts;
            },
            because: $"delivery {deliveryId} to reach {attempts} attempt(s), last seen {delivery?.AttemptCount}: {delivery?.LastError}");
        return delivery!;
    }

    /// <summary>Answers every request after a delay and records how many requests were in flight at once, overall and per path.</summary>
    public sealed class InFlightProbe
    {
        private readonly TimeSpan _hold;
        private readonly ConcurrentDictionary<string, int> _perPath = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, int> _maxPerPath = new(StringComparer.Ordinal);
        private readonly object _gate = new();
        private int _inFlight;

        public InFlightProbe(LocalWebhookReceiver receiver, TimeSpan hold)
        {
            _hold = hold;
            receiver.Responder = OnRequest;
        }

        public int MaxInFlight { get; private set; }

        public int MaxInFlightTo(string path) => _maxPerPath.GetValueOrDefault(path);

        private ReceiverResponse OnRequest(ReceivedRequest request)
        {
            lock (_gate)
            {
                _inFlight++;
                MaxInFlight = Math.Max(MaxInFlight, _inFlight);
                var now = _perPath.AddOrUpdate(request.Path, 1, (_, v) => v + 1);
                _maxPerPath.AddOrUpdate(request.Path, now, (_, v) => Math.Max(v, now));
            }

            // The request counts as in flight for most of the time the answer is held back; it is released a little
            // before the answer is sent, so a count above the limit can only come from requests really sent at once.
            _ = Task.Delay(_hold * 0.6).ContinueWith(
                _ =>
                {
                    lock (_gate)
                    {
                        _inFlight--;
                        _perPath.AddOrUpdate(request.Path, 0, (_, v) => v - 1);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            return new ReceiverResponse { StatusCode = 200, Body = "ok", Delay = _hold };
        }
    }
}

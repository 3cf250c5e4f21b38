// Usage: Webhooks.Sdk.Tests.CrashChild <sqlite:PATH | postgres:SCHEMA:CONNECTION> <receiver url> <event count> <secret key base64> [mode]
// Publishes events "evt-00000".."evt-N" (resuming after the newest one already stored), then keeps delivering until killed.
// Modes: "die-before-completion" kills the process (SIGKILL) when the first successful outcome is about to be written
// (after its request was sent and answered), printing how many deliveries it had leased from the queue (0: the one sent
// was handed off at enqueue); "later" runs with a clock two minutes ahead, so the leases a killed
// process held have expired.
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Webhooks.Sdk;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Tests.CrashChild;

var store = args[0];
var url = args[1];
var count = int.Parse(args[2], CultureInfo.InvariantCulture);
var key = args[3];
var mode = args.Length > 4 ? args[4] : string.Empty;

var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
if (mode == "later")
{
    builder.Services.AddSingleton<TimeProvider>(new LaterTime(TimeSpan.FromMinutes(2)));
}

var webhooks = builder.Services.AddWebhooks(o =>
{
    o.Safety.DangerouslyAllowLoopbackForDevelopment();
    o.Secrets.Key = key;
    o.Dispatcher.LeaseDuration = TimeSpan.FromSeconds(35);
    o.Dispatcher.MaxConcurrency = 8;
    o.Dispatcher.PollInterval = TimeSpan.FromMilliseconds(200);
    o.Dispatcher.StoreErrorDelay = TimeSpan.FromMilliseconds(200);
    o.Retry.BaseDelay = TimeSpan.FromSeconds(1);
    o.Destinations.Add(new WebhookDestinationDefinition { Id = "crash", Name = "crash receiver", Url = url });
});
if (store.StartsWith("sqlite:", StringComparison.Ordinal))
{
    webhooks.UseSqliteStore(store["sqlite:".Length..]);
}
else
{
    var rest = store["postgres:".Length..];
    var colon = rest.IndexOf(':', StringComparison.Ordinal);
    webhooks.UsePostgreSqlStore(rest[(colon + 1)..], o => o.Schema = rest[..colon]);
}

if (mode == "die-before-completion")
{
    var factory = builder.Services.Last(d => d.ServiceType == typeof(IWebhookStore)).ImplementationFactory!;
    webhooks.UseStore(sp => DieBeforeCompletion.Wrap((IWebhookStore)factory(sp)));
}

using var host = builder.Build();
await host.StartAsync();
var newest = (await host.Services.GetRequiredService<IDeliveryHistory>().QueryDeliveriesAsync(new DeliveryQuery { TenantId = "default", Limit = 1 }, CancellationToken.None)).Items;
var start = newest.Count == 0 ? 0 : int.Parse(newest[0].EventId["evt-".Length..], CultureInfo.InvariantCulture) + 1;
Console.WriteLine($"resuming at {start}");
var publisher = host.Services.GetRequiredService<IWebhookPublisher>();
for (var i = start; i < count; i++)
{
    await publisher.PublishAsync(WebhookEvent.Create("crash.test", new { n = i }) with { Id = "evt-" + i.ToString("D5", CultureInfo.InvariantCulture) });
}

Console.WriteLine("published all");
await host.WaitForShutdownAsync();

namespace Webhooks.Sdk.Tests.CrashChild
{
    /// <summary>The system clock shifted ahead.</summary>
    internal sealed class LaterTime(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + ahead;
    }

    /// <summary>A store that kills the process when a successful outcome is about to be written.</summary>
    public class DieBeforeCompletion : System.Reflection.DispatchProxy
    {
        private IWebhookStore _inner = null!;
        private int _leasedFromQueue;

        public static IWebhookStore Wrap(IWebhookStore inner)
        {
            var proxy = Create<IWebhookStore, DieBeforeCompletion>();
            ((DieBeforeCompletion)(object)proxy)._inner = inner;
            return proxy;
        }

        protected override object? Invoke(System.Reflection.MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod!.Name == nameof(IWebhookStore.CompleteAsync)
                && args![0] is IReadOnlyList<DeliveryCompletion> completions
                && completions.Any(c => c.Status == WebhookDeliveryStatus.Succeeded))
            {
                Console.Out.WriteLine($"dying before completion; leased from the queue before: {Volatile.Read(ref _leasedFromQueue)}");
                Console.Out.Flush();
                System.Diagnostics.Process.GetCurrentProcess().Kill();
            }

            if (targetMethod.Name == nameof(IWebhookStore.LeaseDueAsync))
            {
                return CountLeasesAsync((LeaseRequest)args![0]!, (CancellationToken)args[1]!);
            }

            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (System.Reflection.TargetInvocationException ex) when (ex.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
                throw;
            }
        }

        private async Task<IReadOnlyList<LeasedDelivery>> CountLeasesAsync(LeaseRequest request, CancellationToken cancellationToken)
        {
            var leased = await _inner.LeaseDueAsync(request, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _leasedFromQueue, leased.Count);
            return leased;
        }
    }
}

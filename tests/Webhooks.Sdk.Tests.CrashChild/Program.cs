// Usage: Webhooks.Sdk.Tests.CrashChild <sqlite:PATH | postgres:SCHEMA:CONNECTION> <receiver url> <event count> <secret key base64>
// Publishes events "evt-00000".."evt-N" (resuming after the newest one already stored), then keeps delivering until killed.
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Webhooks.Sdk;
using Webhooks.Sdk.Storage;

var store = args[0];
var url = args[1];
var count = int.Parse(args[2], CultureInfo.InvariantCulture);
var key = args[3];

var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
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

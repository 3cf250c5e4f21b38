// Webhooks.Sdk quickstart.
//   dotnet run --project samples/Webhooks.Sdk.Samples.Quickstart
//       starts a local receiver, registers three destinations (one fails at first, then recovers),
//       publishes events and prints every delivery and attempt.
//   dotnet run --project samples/Webhooks.Sdk.Samples.Quickstart -- --url URL [--secret SECRET] [--format NAME]
//       [--count N] [--event-type TYPE] [--setting KEY=VALUE] [--allow-private-network] [--store sqlite:PATH]
//       [--timeout SECONDS] [--key BASE64]
//       sends to a real endpoint; exits 0 when every delivery succeeded, 1 when any failed, 2 on bad arguments or a
//       start-up error (a refused URL, a master key that does not match the store).
//   dotnet run --project samples/Webhooks.Sdk.Samples.Quickstart -- --serve [--port N]
//       only runs a local receiver that prints what it gets, until Ctrl+C or SIGTERM.
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Webhooks.Sdk;
using Webhooks.Sdk.Samples.Quickstart;
using Webhooks.Sdk.Testing;

QuickstartArguments arguments;
try
{
    arguments = QuickstartArguments.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine("error: " + ex.Message);
    return 2;
}

if (arguments.Serve)
{
    await using var listening = await LocalWebhookReceiver.StartAsync(new LocalWebhookReceiverOptions { Port = arguments.Port });
    listening.Responder = request =>
    {
        Console.WriteLine($"{request.Method} {request.Path} {request.Header("webhook-event-type")} {request.Body.Length} bytes");
        return null;
    };
    Console.WriteLine($"Listening on {listening.BaseUrl} (Ctrl+C or SIGTERM stops)");
    await Task.Delay(Timeout.Infinite);
    return 0;
}

using var metrics = new MetricsSummary(); // the last line of output comes from the library's meter
await using var receiver = arguments.Url is null ? await LocalWebhookReceiver.StartAsync() : null;

var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var webhooks = builder.Services.AddWebhooks(options =>
{
    options.Retry.BaseDelay = TimeSpan.FromSeconds(1); // short backoff so the demo finishes quickly
    if (receiver is not null || arguments.AllowPrivateNetwork)
    {
        options.Safety.DangerouslyAllowPrivateNetworksForDevelopment();
    }
});
QuickstartSetup.ConfigureStore(webhooks, arguments);
webhooks.AddEmailTransport().AddRabbitMqTransport().AddNatsTransport(); // --url smtp(s)://, amqp(s)://, nats:// or tls:// too

using var host = builder.Build();
try
{
    await host.StartAsync();
}
catch (Microsoft.Extensions.Options.OptionsValidationException ex)
{
    // For example a master key that does not match the store: nothing was published.
    Console.Error.WriteLine("error: " + ex.Message);
    return 2;
}

var destinations = host.Services.GetRequiredService<IWebhookDestinationManager>();
var publisher = host.Services.GetRequiredService<IWebhookPublisher>();
var log = host.Services.GetRequiredService<IWebhookDeliveryLog>();

var deliveryIds = new List<string>();
try
{
    if (receiver is not null)
    {
        // One failing destination that recovers: 503 twice, then the receiver's default 200.
        receiver.Enqueue("/flaky", ReceiverResponse.Status(503), ReceiverResponse.Status(503));

        // Fixed ids: a durable store keeps the destinations of an earlier run, whose receiver (and port) is gone.
        foreach (var id in new[] { "quickstart-orders", "quickstart-audit", "quickstart-flaky" })
        {
            try
            {
                await destinations.DeleteAsync(id);
            }
            catch (WebhookNotFoundException)
            {
            }
        }

        await destinations.CreateAsync(new() { Id = "quickstart-orders", Name = "orders", Url = receiver.Url("/orders").ToString(), Subscriptions = ["order.*"] });
        await destinations.CreateAsync(new() { Id = "quickstart-audit", Name = "audit", Url = receiver.Url("/audit").ToString() });
        await destinations.CreateAsync(new() { Id = "quickstart-flaky", Name = "flaky", Url = receiver.Url("/flaky").ToString(), Subscriptions = ["order.created"] });

        foreach (var evt in new[]
        {
            WebhookEvent.Create("order.created", new { orderId = 1001, total = 42.50 }) with { Title = "Order 1001 created" },
            WebhookEvent.Create("order.shipped", new { orderId = 1001, carrier = "DHL" }),
            WebhookEvent.Create("user.signed_in", new { userId = "u-7" }),
        })
        {
            deliveryIds.AddRange((await publisher.PublishAsync(evt)).DeliveryIds);
        }
    }
    else
    {
        var destination = await destinations.CreateAsync(QuickstartSetup.Destination(arguments));
        for (var i = 1; i <= arguments.Count; i++)
        {
            var evt = WebhookEvent.Create(arguments.EventType, new { sequence = i, message = "Hello from the Webhooks.Sdk quickstart" }) with
            {
                Title = $"Quickstart event {i} of {arguments.Count}",
                Summary = "Sent by the Webhooks.Sdk quickstart sample.",
                Severity = WebhookSeverity.Info,
            };
            deliveryIds.AddRange((await publisher.EnqueueToAsync(evt, [destination.Id])).DeliveryIds);
        }
    }
}
catch (Exception ex) when (ex is WebhookValidationException or WebhookUrlRefusedException or InvalidOperationException)
{
    Console.Error.WriteLine("error: " + ex.Message);
    await host.StopAsync();
    return 2;
}

var deliveries = await QuickstartSetup.WaitForFinalAsync(log, deliveryIds, arguments.Timeout);
await QuickstartSetup.PrintAsync(log, destinations, deliveries);
await host.StopAsync();
Console.WriteLine(metrics.Summarize());
return deliveries.All(d => d.Status == WebhookDeliveryStatus.Succeeded) ? 0 : 1;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Webhooks.Sdk.Testing;

namespace Webhooks.Sdk.Transports.Tests.Support;

/// <summary>A started host with the library, the three transports and (by default) loopback allowed.</summary>
public sealed class TransportTestHost : IAsyncDisposable
{
    private TransportTestHost(IHost host) => Host = host;

    public IHost Host { get; }

    public IServiceProvider Services => Host.Services;

    public IWebhookPublisher Publisher => Services.GetRequiredService<IWebhookPublisher>();

    public IWebhookDestinationManager Destinations => Services.GetRequiredService<IWebhookDestinationManager>();

    public IWebhookDeliveryLog DeliveryLog => Services.GetRequiredService<IWebhookDeliveryLog>();

    /// <param name="allowLoopback">Adds 127.0.0.0/8 to the allowed networks (the servers run on loopback).</param>
    /// <param name="dns">A scripted resolver, for tests about names.</param>
    /// <param name="configure">More options.</param>
    public static async Task<TransportTestHost> StartAsync(bool allowLoopback = true, ScriptedDnsResolver? dns = null, Action<WebhooksOptions>? configure = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddWebhooks(o =>
        {
            if (allowLoopback)
            {
                o.Safety.DangerouslyAllowedNetworks.Add("127.0.0.0/8");
            }

            o.Retry.BaseDelay = TimeSpan.Zero;
            o.Retry.JitterFactor = 0;
            o.Dispatcher.PollInterval = TimeSpan.FromMilliseconds(100);
            configure?.Invoke(o);
        })
            .AddEmailTransport()
            .AddRabbitMqTransport()
            .AddNatsTransport();
        if (dns is not null)
        {
            builder.Services.AddSingleton<IWebhookDnsResolver>(dns);
        }

        var host = builder.Build();
        await host.StartAsync();
        return new TransportTestHost(host);
    }

    /// <summary>Publishes one event and waits for its only delivery to finish.</summary>
    public async Task<WebhookDelivery> PublishAndWaitAsync(WebhookEvent evt, TimeSpan? timeout = null)
    {
        var result = await Publisher.PublishAsync(evt);
        if (result.Deliveries.Count != 1)
        {
            throw new InvalidOperationException($"Expected one delivery, got {result.Deliveries.Count}.");
        }

        return await WaitForFinalAsync(result.Deliveries[0].DeliveryId, timeout);
    }

    /// <summary>Waits (real time, polling the store) until the delivery is no longer pending.</summary>
    public async Task<WebhookDelivery> WaitForFinalAsync(string deliveryId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var delivery = await DeliveryLog.GetAsync(deliveryId);
            if (delivery.Status != WebhookDeliveryStatus.Pending)
            {
                return delivery;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Delivery {deliveryId} is still pending after {delivery.AttemptCount} attempt(s): {delivery.LastError}");
            }

            await Task.Delay(25);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Host.StopAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            Host.Dispose();
        }
    }
}

using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Webhooks.Sdk.Testing;

namespace Webhooks.Sdk.Tests.Support;

/// <summary>A started host with the webhook library, the loopback development opt-in and captured logs.</summary>
public sealed class WebhookTestHost : IAsyncDisposable
{
    private WebhookTestHost(IHost host, CapturedLogs logs)
    {
        Host = host;
        Logs = logs;
    }

    public IHost Host { get; }

    public CapturedLogs Logs { get; }

    public IServiceProvider Services => Host.Services;

    public IWebhookPublisher Publisher => Services.GetRequiredService<IWebhookPublisher>();

    public IWebhookDestinationManager Destinations => Services.GetRequiredService<IWebhookDestinationManager>();

    public IWebhookDeliveryLog DeliveryLog => Services.GetRequiredService<IWebhookDeliveryLog>();

    public static async Task<WebhookTestHost> StartAsync(
        Action<WebhooksOptions>? configure = null,
        Action<IServiceCollection, IWebhooksBuilder>? services = null,
        TimeProvider? time = null,
        bool start = true)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddFakeLogging();
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        var webhooks = builder.Services.AddWebhooks(o =>
        {
            o.Safety.DangerouslyAllowLoopbackForDevelopment();
            o.Retry.BaseDelay = TimeSpan.FromSeconds(10);
            o.Retry.JitterFactor = 0;
            o.Dispatcher.PollInterval = TimeSpan.FromMilliseconds(200);
            configure?.Invoke(o);
        });
        services?.Invoke(builder.Services, webhooks);
        var host = builder.Build();
        if (start)
        {
            await host.StartAsync().ConfigureAwait(false);
        }

        return new WebhookTestHost(host, new CapturedLogs(host.Services.GetService<FakeLogCollector>()));
    }

    public static WebhookDestinationDefinition Destination(LocalWebhookReceiver receiver, string path = "/hook", string name = "test")
        => new() { Name = name, Url = receiver.Url(path).ToString() };

    /// <summary>Waits until the delivery is no longer pending (real time).</summary>
    public async Task<WebhookDelivery> WaitForFinalAsync(string deliveryId, TimeSpan? timeout = null, FakeTimeProvider? time = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var delivery = await DeliveryLog.GetAsync(deliveryId).ConfigureAwait(false);
            if (delivery.Status != WebhookDeliveryStatus.Pending)
            {
                return delivery;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Delivery {deliveryId} is still pending after {delivery.AttemptCount} attempt(s): {delivery.LastError}");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until a condition holds (real time).</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string? because = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!await condition().ConfigureAwait(false))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Condition not met in time: " + because);
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Host.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        finally
        {
            Host.Dispose();
        }
    }
}

/// <summary>The log lines <see cref="FakeLogger"/> collected (level, category, event id, message, state values, exception), for assertions.</summary>
public sealed class CapturedLogs(FakeLogCollector? collector)
{
    public IReadOnlyList<string> Lines => collector is null
        ? []
        : collector.GetSnapshot().Select(r =>
        {
            var values = r.StructuredState is { } state ? string.Join(";", state.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
            return $"{r.Level} {r.Category} [{r.Id.Id}] {r.Message} {values} {r.Exception}";
        }).ToArray();

    public string AllText => string.Join('\n', Lines);
}

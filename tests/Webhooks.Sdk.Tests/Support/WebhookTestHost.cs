using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Webhooks.Sdk.Testing;

namespace Webhooks.Sdk.Tests.Support;

/// <summary>A started host with the webhook library, the loopback development opt-in and captured logs.</summary>
public sealed class WebhookTestHost : IAsyncDisposable
{
    private WebhookTestHost(IHost host, CapturingLoggerProvider logs)
    {
        Host = host;
        Logs = logs;
    }

    public IHost Host { get; }

    public CapturingLoggerProvider Logs { get; }

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
        var logs = new CapturingLoggerProvider();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddProvider(logs);
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

        return new WebhookTestHost(host, logs);
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

/// <summary>Captures every log line (formatted message, exception text and state values) for assertions.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => _lines.ToArray();

    public string AllText => string.Join('\n', _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> kv ? string.Join(";", kv.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
            owner._lines.Enqueue($"{logLevel} {category} [{eventId.Id}] {formatter(state, exception)} {values} {exception}");
        }
    }
}

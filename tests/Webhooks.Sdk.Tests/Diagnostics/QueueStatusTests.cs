using System.Diagnostics.Metrics;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Storage;
using Webhooks.Sdk.Tests.Support;
using static Webhooks.Sdk.Tests.Core.CoreTestKit;

namespace Webhooks.Sdk.Tests.Diagnostics;

/// <summary>The queue gauges on the SQL stores: one grouped count query, read through the metrics.</summary>
public class QueueStatusTests
{
    private TempDatabase _files = null!;
    private string? _schema;

    [SetUp]
    public void SetUp() => _files = new TempDatabase();

    [TearDown]
    public async Task TearDown()
    {
        _files.DeleteAll();
        if (_schema is not null)
        {
            await PostgresTestServer.DropSchemaAsync(_schema);
            _schema = null;
        }
    }

    [TestCase("sqlite")]
    [TestCase("postgresql")]
    public async Task Gauges_ScriptedRunOnSqlStore_ShowPendingRetryingDeadAndOldestDueAge(string storeKind)
    {
        Action<IServiceCollection, IWebhooksBuilder> useStore = UseStore(storeKind);
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue("/flaky", ReceiverResponse.Status(503));
        receiver.Enqueue("/dead", ReceiverResponse.Status(500));

        // First instance: one success, one failure waiting for its retry (due at Start + 10 s), one dead letter.
        await using (var sender = await WebhookTestHost.StartAsync(Configure(dispatcher: true), useStore, time))
        {
            await sender.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/ok", "ok"));
            await sender.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/flaky", "flaky"));
            await sender.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/dead", "dead").With(d => d.RetryCount = 0));
            var ids = (await sender.Publisher.PublishAsync(Event("order.created"))).Deliveries.Select(d => d.DeliveryId).ToList();
            foreach (var id in ids)
            {
                await sender.WaitForAttemptsAsync(id, 1);
            }
        }

        // Second instance, not sending: three new deliveries published at Start + 30 s, none attempted.
        await using var host = await WebhookTestHost.StartAsync(Configure(dispatcher: false), useStore, time);
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        using var pending = new MetricCollector<long>(meters, "Webhooks.Sdk", "webhooks.deliveries.pending");
        using var retrying = new MetricCollector<long>(meters, "Webhooks.Sdk", "webhooks.deliveries.retrying");
        using var dead = new MetricCollector<long>(meters, "Webhooks.Sdk", "webhooks.deliveries.dead");
        using var oldest = new MetricCollector<double>(meters, "Webhooks.Sdk", "webhooks.queue.oldest_due.age");
        time.Advance(TimeSpan.FromSeconds(30));
        await host.Publisher.PublishAsync(Event("order.updated"));
        time.Advance(TimeSpan.FromSeconds(60));

        var snapshot = await host.Services.GetRequiredService<IWebhookQueueStatus>().GetSnapshotAsync();
        pending.RecordObservableInstruments();
        retrying.RecordObservableInstruments();
        dead.RecordObservableInstruments();
        oldest.RecordObservableInstruments();

        host.Services.GetRequiredService<IWebhookStore>().Should().BeAssignableTo<IWebhookQueueStatisticsStore>();
        snapshot.Counts.Should().NotBeNull();
        pending.LastMeasurement!.Value.Should().Be(3, "the second publish's three deliveries were never attempted");
        retrying.LastMeasurement!.Value.Should().Be(1, "flaky waits for its retry");
        dead.LastMeasurement!.Value.Should().Be(1, "dead spent its one attempt");
        oldest.LastMeasurement!.Value.Should().Be(80, "flaky's retry was due at Start + 10 s and it is now Start + 90 s");
    }

    private static Action<WebhooksOptions> Configure(bool dispatcher) => o =>
    {
        o.Secrets.Key = Convert.ToBase64String(new byte[32]);
        o.Telemetry.QueueStatisticsInterval = TimeSpan.Zero;
        o.Dispatcher.Enabled = dispatcher;
    };

    private Action<IServiceCollection, IWebhooksBuilder> UseStore(string storeKind)
    {
        if (storeKind == "sqlite")
        {
            var path = _files.NewPath();
            return (_, webhooks) => webhooks.UseSqliteStore(path);
        }

        var connectionString = PostgresTestServer.ConnectionString;
        var schema = _schema = PostgresTestServer.NewSchema();
        return (_, webhooks) => webhooks.UsePostgreSqlStore(connectionString, o => o.Schema = schema);
    }
}

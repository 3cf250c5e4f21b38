using System.Text.Json;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Formatting;

/// <summary>Create-then-update against the real receiver acting as a ticket system.</summary>
public class CorrelationFlowTests
{
    private static async Task<WebhookTestHost> StartHostAsync(string? sqlitePath = null)
        => await WebhookTestHost.StartAsync(
            o =>
            {
                o.Retry.BaseDelay = TimeSpan.FromMilliseconds(200);
                o.Retry.MaxDelay = TimeSpan.FromMilliseconds(400);
                o.Secrets.Key = Convert.ToBase64String(new byte[32]);
            },
            services: sqlitePath is null ? null : (_, webhooks) => webhooks.UseSqliteStore(sqlitePath));

    private static WebhookDestinationDefinition Tickets(LocalWebhookReceiver receiver, int retryCount = 3) => new()
    {
        Name = "tickets",
        Url = receiver.Url("/api/tickets").ToString(),
        RetryCount = retryCount,
        Correlation = new WebhookCorrelationSettings
        {
            IdPath = "ticket.id",
            UpdateMethod = "PUT",
            UpdateUrl = receiver.Url("/api/tickets/").ToString() + "${correlationId:none}",
            UpdateBodyTemplate = "{\"seq\":${data.seq},\"ticket\":\"${correlationId:none}\"}",
        },
    };

    private static async Task PublishSequenceAsync(WebhookTestHost host, string key, int count)
    {
        var ids = new List<string>();
        for (var seq = 1; seq <= count; seq++)
        {
            var result = await host.Publisher.PublishAsync(WebhookEvent.Create("ticket.changed", new { seq }) with { CorrelationKey = key });
            ids.Add(result.Deliveries.Should().ContainSingle().Subject.DeliveryId);
        }

        foreach (var id in ids)
        {
            (await host.WaitForFinalAsync(id, TimeSpan.FromSeconds(20))).Status.Should().NotBe(WebhookDeliveryStatus.Pending);
        }
    }

    private static int Seq(ReceivedRequest request)
    {
        var root = JsonDocument.Parse(request.Body).RootElement;
        return root.TryGetProperty("seq", out var seq) ? seq.GetInt32() : root.GetProperty("data").GetProperty("seq").GetInt32();
    }

    [Test]
    public async Task Publish_SlowCreateThenThreeUpdates_UpdatesHitTheCreatedIdInOrder()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Responder = r => r.Method == "POST"
            ? ReceiverResponse.Json("{\"ticket\":{\"id\":35436,\"subject\":\"x\"}}", 201) with { Delay = TimeSpan.FromMilliseconds(700) }
            : ReceiverResponse.Json("{\"ticket\":{}}");
        await using var host = await StartHostAsync();
        await host.Destinations.CreateAsync(Tickets(receiver));

        await PublishSequenceAsync(host, "incident-1", 4);

        var requests = receiver.Requests;
        requests.Select(r => (r.Method, r.Path, Seq(r))).Should().Equal(
            ("POST", "/api/tickets", 1),
            ("PUT", "/api/tickets/35436", 2),
            ("PUT", "/api/tickets/35436", 3),
            ("PUT", "/api/tickets/35436", 4));
        requests[1].BodyText.Should().Be("{\"seq\":2,\"ticket\":\"35436\"}");
    }

    [Test]
    public async Task Publish_CreateRetried_UpdatesWaitAndUseTheId()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var creates = 0;
        receiver.Responder = r => r.Method != "POST"
            ? ReceiverResponse.Ok()
            : Interlocked.Increment(ref creates) == 1 ? ReceiverResponse.Status(503) : ReceiverResponse.Json("{\"ticket\":{\"id\":\"T-9\"}}", 201);
        await using var host = await StartHostAsync();
        await host.Destinations.CreateAsync(Tickets(receiver));

        await PublishSequenceAsync(host, "incident-2", 4);

        receiver.Requests.Select(r => (r.Method, r.Path, Seq(r))).Should().Equal(
            ("POST", "/api/tickets", 1),
            ("POST", "/api/tickets", 1),
            ("PUT", "/api/tickets/T-9", 2),
            ("PUT", "/api/tickets/T-9", 3),
            ("PUT", "/api/tickets/T-9", 4));
    }

    [Test]
    public async Task Publish_CreateFailsForGood_NextEventsCreateAgainNeverUpdateTheFallback()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Responder = r => r.Method == "POST" ? ReceiverResponse.Status(400, "bad") : ReceiverResponse.Ok();
        await using var host = await StartHostAsync();
        await host.Destinations.CreateAsync(Tickets(receiver, retryCount: 0));

        await PublishSequenceAsync(host, "incident-3", 4);

        receiver.Requests.Select(r => (r.Method, r.Path)).Should().Equal(
            ("POST", "/api/tickets"),
            ("POST", "/api/tickets"),
            ("POST", "/api/tickets"),
            ("POST", "/api/tickets"));
    }

    [Test]
    public async Task Publish_SqliteStoreCreateFailsThenSucceedsForAnotherKey_IdKeptPerKey()
    {
        var path = Path.Combine(Path.GetTempPath(), "correlation-" + Guid.NewGuid().ToString("N") + ".db");
        try
        {
            await using var receiver = await LocalWebhookReceiver.StartAsync();
            receiver.Responder = r => r.Method != "POST"
                ? ReceiverResponse.Ok()
                : Seq(r) == 1 ? ReceiverResponse.Status(400) : ReceiverResponse.Json("{\"ticket\":{\"id\":7}}", 201);
            await using (var host = await StartHostAsync(path))
            {
                await host.Destinations.CreateAsync(Tickets(receiver, retryCount: 0));
                var a1 = await host.Publisher.PublishAsync(WebhookEvent.Create("ticket.changed", new { seq = 1 }) with { CorrelationKey = "a" });
                await host.WaitForFinalAsync(a1.Deliveries[0].DeliveryId);
                var b1 = await host.Publisher.PublishAsync(WebhookEvent.Create("ticket.changed", new { seq = 2 }) with { CorrelationKey = "b" });
                await host.WaitForFinalAsync(b1.Deliveries[0].DeliveryId);
                var a2 = await host.Publisher.PublishAsync(WebhookEvent.Create("ticket.changed", new { seq = 3 }) with { CorrelationKey = "a" });
                await host.WaitForFinalAsync(a2.Deliveries[0].DeliveryId);
                var b2 = await host.Publisher.PublishAsync(WebhookEvent.Create("ticket.changed", new { seq = 4 }) with { CorrelationKey = "b" });
                await host.WaitForFinalAsync(b2.Deliveries[0].DeliveryId);
            }

            receiver.Requests.Select(r => (r.Method, r.Path, Seq(r))).Should().Equal(
                ("POST", "/api/tickets", 1),
                ("POST", "/api/tickets", 2),
                ("POST", "/api/tickets", 3),
                ("PUT", "/api/tickets/7", 4));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(path) + "*"))
            {
                File.Delete(file);
            }
        }
    }

    [Test]
    public async Task Publish_ServiceNowFormat_PatchWithTheFormatsUpdateBody()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Responder = r => r.Method == "POST"
            ? ReceiverResponse.Json("{\"result\":{\"sys_id\":\"9d385017c611228701d22104cc95c371\",\"number\":\"INC0010002\"}}", 201)
            : ReceiverResponse.Json("{\"result\":{}}");
        await using var host = await StartHostAsync();
        await host.Destinations.CreateAsync(new WebhookDestinationDefinition
        {
            Name = "snow",
            Url = receiver.Url("/api/now/table/incident").ToString(),
            Format = WebhookFormats.ServiceNow,
            Correlation = new WebhookCorrelationSettings { IdPath = "result.sys_id", UpdateMethod = "PATCH", UpdateUrl = receiver.Url("/api/now/table/incident/").ToString() + "${correlationId}" },
        });

        var first = await host.Publisher.PublishAsync(new WebhookEvent { Type = "incident.opened", Title = "Disk full", Severity = WebhookSeverity.Error, CorrelationKey = "disk" });
        await host.WaitForFinalAsync(first.Deliveries[0].DeliveryId);
        var second = await host.Publisher.PublishAsync(new WebhookEvent { Type = "incident.resolved", Title = "Disk cleaned", Severity = WebhookSeverity.Resolved, CorrelationKey = "disk" });
        await host.WaitForFinalAsync(second.Deliveries[0].DeliveryId);

        var requests = receiver.Requests;
        requests[0].Method.Should().Be("POST");
        JsonDocument.Parse(requests[0].Body).RootElement.GetProperty("correlation_id").GetString().Should().Be("disk");
        requests[1].Method.Should().Be("PATCH");
        requests[1].Path.Should().Be("/api/now/table/incident/9d385017c611228701d22104cc95c371");
        var update = JsonDocument.Parse(requests[1].Body).RootElement;
        update.GetProperty("state").GetString().Should().Be("6");
        update.GetProperty("work_notes").GetString().Should().StartWith("Disk cleaned");
    }

    [Test]
    public async Task Publish_OrderedDeliveryWithoutCorrelation_SlowFirstStillArrivesFirst()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Responder = r => Seq(r) == 1 ? ReceiverResponse.Ok() with { Delay = TimeSpan.FromMilliseconds(700) } : ReceiverResponse.Ok();
        await using var host = await StartHostAsync();
        await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "ordered", Url = receiver.Url("/events").ToString(), OrderedDelivery = true });

        await PublishSequenceAsync(host, "stream-1", 4);

        receiver.Requests.Select(Seq).Should().Equal(1, 2, 3, 4);
        receiver.Requests.Should().OnlyContain(r => r.Method == "POST" && r.Path == "/events");
    }

    [TestCase("{\"result\":{\"sys_id\":\"abc\"}}", "result.sys_id", "abc")]
    [TestCase("{\"ticket\":{\"id\":35436}}", "ticket.id", "35436")]
    [TestCase("{\"key\":\"OPS-24\",\"id\":\"10000\"}", "key", "OPS-24")]
    [TestCase("{\"items\":[{\"id\":\"x\"}]}", "items.0.id", "x")]
    [TestCase("{\"ticket\":{}}", "ticket.id", null)]
    [TestCase("not json", "id", null)]
    [TestCase("{\"id\":{\"nested\":1}}", "id", null)]
    public void ReadId_Paths_ReadOrNull(string body, string path, string? expected)
        => CorrelationFlow.ReadId(body, path).Should().Be(expected);
}

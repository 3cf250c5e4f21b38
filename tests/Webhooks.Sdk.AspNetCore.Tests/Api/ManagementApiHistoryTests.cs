using System.Net;
using System.Text.Json.Nodes;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Testing;

namespace Webhooks.Sdk.AspNetCore.Tests.Api;

/// <summary>Tests, history, redelivery, replay, stats and publishing against a real receiver.</summary>
public class ManagementApiHistoryTests
{
    private LocalWebhookReceiver _receiver = null!;
    private ApiTestHost _host = null!;

    [SetUp]
    public async Task SetUp()
    {
        _receiver = await LocalWebhookReceiver.StartAsync();
        _host = await ApiTestHost.StartAsync();
    }

    [TearDown]
    public async Task TearDown()
    {
        await _host.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Test]
    public async Task TestSaved_ReachableReceiver_ReturnsTheOutcomeAndRecordsItInHistory()
    {
        _receiver.DefaultResponse = ReceiverResponse.Ok("thanks");
        await _host.Admin.CreateAsync(ApiTestHost.Destination(_receiver.Url(), id: "d1"));

        using var response = await _host.Admin.PostJsonAsync("destinations/d1/test", new { eventType = "order.cancelled" });

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var result = await response.ReadJsonAsync();
        result["success"]!.GetValue<bool>().Should().BeTrue();
        result["statusCode"]!.GetValue<int>().Should().Be(200);
        result["responseExcerpt"]!.GetValue<string>().Should().Be("thanks");
        result["duration"]!.GetValue<string>().Should().NotBeNullOrEmpty();
        var deliveryId = result["deliveryId"]!.GetValue<string>();
        _receiver.Requests.Single().Header("webhook-event-type").Should().Be("order.cancelled");

        using var history = await _host.Admin.GetAsync("destinations/d1/deliveries");
        var delivery = (await history.ReadJsonAsync())["data"]!.AsArray().Single()!;
        delivery["id"]!.GetValue<string>().Should().Be(deliveryId);
        delivery["isTest"]!.GetValue<bool>().Should().BeTrue();
        delivery["status"]!.GetValue<string>().Should().Be("succeeded");

        using var details = await _host.Admin.GetAsync($"deliveries/{deliveryId}");
        var attempt = (await details.ReadJsonAsync())["attempts"]!.AsArray().Single()!;
        attempt["number"]!.GetValue<int>().Should().Be(1);
        attempt["statusCode"]!.GetValue<int>().Should().Be(200);
        attempt["success"]!.GetValue<bool>().Should().BeTrue();
        attempt["responseExcerpt"]!.GetValue<string>().Should().Be("thanks");
        attempt["startedAt"].Should().NotBeNull();
    }

    [Test]
    public async Task TestSaved_FailingReceiver_ReportsStatusAndError()
    {
        _receiver.DefaultResponse = ReceiverResponse.Status(500, "boom");
        await _host.Admin.CreateAsync(ApiTestHost.Destination(_receiver.Url(), id: "d1"));

        using var response = await _host.Admin.PostAsync("destinations/d1/test", null);

        var result = await response.ReadJsonAsync();
        result["success"]!.GetValue<bool>().Should().BeFalse();
        result["reached"]!.GetValue<bool>().Should().BeTrue();
        result["statusCode"]!.GetValue<int>().Should().Be(500);
        result["responseExcerpt"]!.GetValue<string>().Should().Be("boom");
    }

    [Test]
    public async Task TestDraft_SendsWithoutStoringAnything()
    {
        using var response = await _host.Admin.PostJsonAsync("destinations/test?eventType=order.created", new { name = "draft", url = _receiver.Url("/draft").ToString() });

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.ReadJsonAsync())["success"]!.GetValue<bool>().Should().BeTrue();
        var received = _receiver.RequestsTo("/draft").Single();
        received.Header("webhook-event-type").Should().Be("order.created");
        received.BodyText.Should().Contain("\"orderId\":42", "the catalogue's example is the data");
        using var list = await _host.Admin.GetAsync("destinations");
        (await list.ReadJsonAsync())["data"]!.AsArray().Should().BeEmpty();
    }

    [Test]
    public async Task Redeliver_FailedDelivery_SendsItAgainWithTheSameMessageId()
    {
        _receiver.Enqueue(ReceiverResponse.Status(500));
        await _host.Admin.CreateAsync(Failing("d1"));
        var deliveryId = await PublishToAsync("d1");
        await WaitForStatusAsync(deliveryId, "failed");

        using var redeliver = await _host.Admin.PostAsync($"deliveries/{deliveryId}/redeliver", null);

        redeliver.StatusCode.Should().Be(HttpStatusCode.Accepted);
        await WaitForStatusAsync(deliveryId, "succeeded");
        _receiver.Requests.Should().HaveCount(2);
        _receiver.Requests.Select(r => r.Header("webhook-id")).Distinct().Should().ContainSingle();
        using var details = await _host.Admin.GetAsync($"deliveries/{deliveryId}");
        (await details.ReadJsonAsync())["attempts"]!.AsArray().Select(a => a!["statusCode"]!.GetValue<int>()).Should().Equal(500, 200);
    }

    [Test]
    public async Task Replay_FailedInTheWindow_QueuesThemAgain_OutsideTheWindowNothing()
    {
        _receiver.Enqueue(ReceiverResponse.Status(500), ReceiverResponse.Status(502));
        await _host.Admin.CreateAsync(Failing("d1"));
        var first = await PublishToAsync("d1");
        var second = await PublishToAsync("d1");
        await WaitForStatusAsync(first, "failed");
        await WaitForStatusAsync(second, "failed");

        using var none = await _host.Admin.PostJsonAsync("destinations/d1/replay", new { since = DateTimeOffset.UtcNow.AddHours(-2), until = DateTimeOffset.UtcNow.AddHours(-1) });
        (await none.ReadJsonAsync())["queued"]!.GetValue<int>().Should().Be(0);

        using var replay = await _host.Admin.PostJsonAsync("destinations/d1/replay", new { since = DateTimeOffset.UtcNow.AddHours(-1) });

        replay.StatusCode.Should().Be(HttpStatusCode.Accepted);
        (await replay.ReadJsonAsync())["queued"]!.GetValue<int>().Should().Be(2);
        await WaitForStatusAsync(first, "succeeded");
        await WaitForStatusAsync(second, "succeeded");
    }

    [Test]
    public async Task Replay_WithUntil_QueuesOnlyTheFailuresBeforeIt()
    {
        _receiver.Enqueue(ReceiverResponse.Status(500), ReceiverResponse.Status(500));
        await _host.Admin.CreateAsync(Failing("d1"));
        var first = await PublishToAsync("d1");
        await WaitForStatusAsync(first, "failed");
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(20);
        var second = await PublishToAsync("d1");
        await WaitForStatusAsync(second, "failed");

        using var replay = await _host.Admin.PostJsonAsync("destinations/d1/replay", new { since = between.AddHours(-1), until = between });

        (await replay.ReadJsonAsync())["queued"]!.GetValue<int>().Should().Be(1);
        await WaitForStatusAsync(first, "succeeded");
        (await Status(second)).Should().Be("failed");
    }

    [Test]
    public async Task Replay_WithoutSince_Answers400NamingSince()
    {
        await _host.Admin.CreateAsync(ApiTestHost.Destination(_receiver.Url(), id: "d1"));

        using var replay = await _host.Admin.PostJsonAsync("destinations/d1/replay", new { });

        replay.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await replay.ReadJsonAsync())["errors"]!["since"]![0]!.GetValue<string>().Should().Be("is required");
    }

    [Test]
    public async Task Deliveries_FiltersAndCursor_WalkMoreThanOnePage()
    {
        await _host.Admin.CreateAsync(ApiTestHost.Destination(_receiver.Url(), id: "d1"));
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add(await PublishToAsync("d1", "order.created"));
        }

        var cancelled = new[] { await PublishToAsync("d1", "order.cancelled"), await PublishToAsync("d1", "order.cancelled") };
        foreach (var id in created.Concat(cancelled))
        {
            await WaitForStatusAsync(id, "succeeded");
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            using var response = await _host.Admin.GetAsync("destinations/d1/deliveries?eventType=order.created&status=succeeded&statusClass=2xx&limit=2" + (cursor is null ? string.Empty : "&cursor=" + cursor));
            var page = await response.ReadJsonAsync();
            var data = page["data"]!.AsArray();
            data.Select(d => d!["eventType"]!.GetValue<string>()).Should().OnlyContain(t => t == "order.created");
            seen.AddRange(data.Select(d => d!["id"]!.GetValue<string>()));
            cursor = page["nextCursor"]?.GetValue<string>();
            pages++;
        }
        while (cursor is not null && pages < 10);

        pages.Should().Be(3);
        seen.Should().Equal(Enumerable.Reverse(created), "newest first, each once");

        (await CountAsync("statusClass=5xx")).Should().Be(0);
        (await CountAsync("statusClass=none")).Should().Be(0);
        (await CountAsync("status=failed")).Should().Be(0);
        (await CountAsync("eventType=order.cancelled")).Should().Be(2);
        (await CountAsync("since=" + Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(5).ToString("O")))).Should().Be(0);
        (await CountAsync("until=" + Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(5).ToString("O")))).Should().Be(7);
    }

    [Test]
    public async Task Stats_CountsByOutcomeOverTheWindow()
    {
        _receiver.Enqueue(ReceiverResponse.Status(500));
        await _host.Admin.CreateAsync(Failing("d1"));
        var failed = await PublishToAsync("d1");
        await WaitForStatusAsync(failed, "failed");
        var ok = await PublishToAsync("d1");
        await WaitForStatusAsync(ok, "succeeded");

        using var response = await _host.Viewer.GetAsync("destinations/d1/stats?since=" + Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O")));
        using var empty = await _host.Viewer.GetAsync("destinations/d1/stats?since=2020-01-01T00:00:00Z&until=2020-01-02T00:00:00Z");

        var stats = await response.ReadJsonAsync();
        stats["total"]!.GetValue<long>().Should().Be(2);
        stats["succeeded"]!.GetValue<long>().Should().Be(1);
        stats["failed"]!.GetValue<long>().Should().Be(1);
        stats["pending"]!.GetValue<long>().Should().Be(0);
        stats["lastSuccessAt"].Should().NotBeNull();
        stats["lastFailureAt"].Should().NotBeNull();
        stats["consecutiveFailures"]!.GetValue<int>().Should().Be(0);
        (await empty.ReadJsonAsync())["total"]!.GetValue<long>().Should().Be(0);
    }

    [Test]
    public async Task PostEvents_FansOutToSubscribersOrSendsToTheChosenDestinations()
    {
        var orders = ApiTestHost.Destination(_receiver.Url("/orders"), id: "orders");
        orders["subscriptions"] = new JsonArray("order.*");
        var other = ApiTestHost.Destination(_receiver.Url("/other"), id: "other");
        other["subscriptions"] = new JsonArray("user.*");
        await _host.Admin.CreateAsync(orders);
        await _host.Admin.CreateAsync(other);

        using var fanOut = await _host.Admin.PostJsonAsync("events", new { type = "order.created", data = new { orderId = 7 } });
        using var chosen = await _host.Admin.PostJsonAsync("events", new { type = "order.created", destinationIds = new[] { "other" } });

        fanOut.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var fanOutBody = await fanOut.ReadJsonAsync();
        fanOutBody["eventId"]!.GetValue<string>().Should().NotBeNullOrEmpty();
        fanOutBody["deliveries"]!.AsArray().Select(d => d!["destinationId"]!.GetValue<string>()).Should().Equal("orders");
        (await chosen.ReadJsonAsync())["deliveries"]!.AsArray().Select(d => d!["destinationId"]!.GetValue<string>()).Should().Equal("other");
        await _receiver.WaitForRequestsAsync(2);
        _receiver.RequestsTo("/orders").Single().BodyText.Should().Contain("\"orderId\":7");
        _receiver.RequestsTo("/other").Should().ContainSingle();
    }

    private JsonObject Failing(string id)
    {
        var definition = ApiTestHost.Destination(_receiver.Url(), id: id);
        definition["retryCount"] = 0;
        return definition;
    }

    private async Task<string> PublishToAsync(string destinationId, string type = "order.created")
    {
        using var publish = await _host.Admin.PostJsonAsync("events", new { type, destinationIds = new[] { destinationId } });
        publish.StatusCode.Should().Be(HttpStatusCode.Accepted);
        return (await publish.ReadJsonAsync())["deliveries"]![0]!["deliveryId"]!.GetValue<string>();
    }

    private async Task<string> Status(string deliveryId)
    {
        using var response = await _host.Admin.GetAsync($"deliveries/{deliveryId}");
        return (await response.ReadJsonAsync())["delivery"]!["status"]!.GetValue<string>();
    }

    private Task WaitForStatusAsync(string deliveryId, string status)
        => ManagementApiDestinationTests.WaitUntilAsync(async () => await Status(deliveryId) == status);

    private async Task<int> CountAsync(string query)
    {
        using var response = await _host.Admin.GetAsync("destinations/d1/deliveries?" + query);
        response.StatusCode.Should().Be(HttpStatusCode.OK, query);
        return (await response.ReadJsonAsync())["data"]!.AsArray().Count;
    }
}

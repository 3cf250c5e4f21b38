using Microsoft.Extensions.Time.Testing;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;
using static Webhooks.Sdk.Tests.Core.CoreTestKit;

namespace Webhooks.Sdk.Tests.Core;

public class WebhookDestinationManagerTests
{
    [Test]
    public async Task CreateAsync_ManyBadFields_OneExceptionListsEveryFieldAndNothingIsStored()
    {
        await using var host = await WebhookTestHost.StartAsync();
        var headers = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["X-Team"] = "a",
            ["x-team"] = "b",
            ["X-Bad"] = "one\r\nInjected: yes",
            ["webhook-id"] = "mine",
        };

        var act = () => host.Destinations.CreateAsync(new()
        {
            Name = " ",
            Url = "not a url",
            RetryCount = 11,
            AttemptTimeout = TimeSpan.FromSeconds(31),
            Headers = headers,
            Format = "carrier-pigeon",
        });

        var error = (await act.Should().ThrowAsync<WebhookValidationException>()).Which;
        error.Errors.Select(e => e.Field).Should().Contain(["Name", "Url", "RetryCount", "AttemptTimeout", "Headers[x-team]", "Headers[X-Bad]", "Headers[webhook-id]", "Format"]);
        error.Errors.Single(e => e.Field == "Name").Message.Should().Be("is required");
        error.Errors.Single(e => e.Field == "Url").Message.Should().Be("is not a valid absolute URL");
        error.Errors.Single(e => e.Field == "RetryCount").Message.Should().Be("must be between 0 and 10, not 11");
        error.Errors.Single(e => e.Field == "AttemptTimeout").Message.Should().Be("must be between 1 and 30 seconds, not 31 s");
        error.Errors.Single(e => e.Field == "Headers[x-team]").Message.Should().Contain("duplicated");
        error.Errors.Single(e => e.Field == "Headers[X-Bad]").Message.Should().Contain("CR or LF");
        error.Errors.Single(e => e.Field == "Headers[webhook-id]").Message.Should().Contain("set by the library");
        error.Errors.Single(e => e.Field == "Format").Message.Should().Contain("'carrier-pigeon' is not a known format").And.Contain("json");
        error.Message.Should().Contain("Name: is required").And.Contain("RetryCount: must be between 0 and 10");
        (await host.Destinations.ListAsync()).Total.Should().Be(0);
    }

    [Test]
    public async Task CreateAsync_MissingUrlAndNegativeRetriesAndTooShortTimeout_AreRefused()
    {
        await using var host = await WebhookTestHost.StartAsync();

        var act = () => host.Destinations.CreateAsync(new() { Name = "x", Url = "", RetryCount = -1, AttemptTimeout = TimeSpan.FromMilliseconds(500) });

        var error = (await act.Should().ThrowAsync<WebhookValidationException>()).Which;
        error.Errors.Should().BeEquivalentTo(new[]
        {
            new WebhookValidationError("Url", "is required"),
            new WebhookValidationError("RetryCount", "must be between 0 and 10, not -1"),
            new WebhookValidationError("AttemptTimeout", "must be between 1 and 30 seconds, not 0.5 s"),
        });
        (await host.Destinations.ListAsync()).Total.Should().Be(0);
    }

    [Test]
    public async Task CreateAsync_ReservedHeaderInAnyCase_IsRefused()
    {
        await using var host = await WebhookTestHost.StartAsync();

        var act = () => host.Destinations.CreateAsync(new()
        {
            Name = "x",
            Url = "http://127.0.0.1:9/hook",
            Headers = new Dictionary<string, string> { ["content-type"] = "text/plain", ["USER-AGENT"] = "me", ["Webhook-Attempt"] = "9" },
        });

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Select(e => e.Field)
            .Should().BeEquivalentTo(["Headers[content-type]", "Headers[USER-AGENT]", "Headers[Webhook-Attempt]"]);
    }

    [Test]
    public async Task CreateAsync_MoreThanTenantCap_IsRefusedForThatTenantOnly()
    {
        await using var host = await WebhookTestHost.StartAsync(o => o.MaxDestinationsPerTenant = 2);
        var acme = host.Destinations.ForTenant("acme");
        await acme.CreateAsync(new() { Name = "a", Url = "http://127.0.0.1:9/a" });
        await acme.CreateAsync(new() { Name = "b", Url = "http://127.0.0.1:9/b" });

        var act = () => acme.CreateAsync(new() { Name = "c", Url = "http://127.0.0.1:9/c" });

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("acme").And.Contain("MaxDestinationsPerTenant");
        await host.Destinations.ForTenant("globex").CreateAsync(new() { Name = "a", Url = "http://127.0.0.1:9/a" });
        await host.Destinations.ForTenant("globex").CreateAsync(new() { Name = "b", Url = "http://127.0.0.1:9/b" });
        (await acme.ListAsync()).Total.Should().Be(2);
    }

    [Test]
    public async Task ListAsync_Pages_NewestFirstWithTotal()
    {
        var time = new FakeTimeProvider(Start);
        await using var host = await WebhookTestHost.StartAsync(time: time);
        foreach (var name in new[] { "a", "b", "c", "d", "e" })
        {
            await host.Destinations.CreateAsync(new() { Name = name, Url = "http://127.0.0.1:9/" + name });
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var first = await host.Destinations.ListAsync(0, 2);
        var second = await host.Destinations.ListAsync(2, 2);
        var last = await host.Destinations.ListAsync(4, 2);

        first.Items.Select(d => d.Name).Should().Equal("e", "d");
        second.Items.Select(d => d.Name).Should().Equal("c", "b");
        last.Items.Select(d => d.Name).Should().Equal("a");
        first.Total.Should().Be(5);
        second.Skip.Should().Be(2);
    }

    [Test]
    public async Task UpdateAsync_OnlyName_KeepsEveryOtherField()
    {
        await using var host = await WebhookTestHost.StartAsync();
        var created = await host.Destinations.CreateAsync(new()
        {
            Name = "before",
            Url = "http://127.0.0.1:9/hook",
            Method = "PUT",
            Headers = new Dictionary<string, string> { ["X-Team"] = "platform" },
            Subscriptions = ["scan.*"],
            RetryCount = 7,
            AttemptTimeout = TimeSpan.FromSeconds(12),
            RateLimit = new WebhookRateLimit(3, 5),
        });

        var updated = await host.Destinations.UpdateAsync(created.Id, new() { Name = "after" });

        updated.Name.Should().Be("after");
        var reread = await host.Destinations.GetAsync(created.Id);
        reread.Should().BeEquivalentTo(created, o => o.Excluding(d => d.Name).Excluding(d => d.UpdatedAt).Excluding(d => d.Version));
        reread.Version.Should().Be(created.Version + 1, "a configuration change moves the version");
        reread.Name.Should().Be("after");
    }

    [Test]
    public async Task UpdateAsync_InvalidChange_IsRefusedAndOldSettingsStay()
    {
        await using var host = await WebhookTestHost.StartAsync();
        var created = await host.Destinations.CreateAsync(new() { Name = "x", Url = "http://127.0.0.1:9/hook" });

        var act = () => host.Destinations.UpdateAsync(created.Id, new() { RetryCount = 42, Url = "ftp//nope" });

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Select(e => e.Field).Should().BeEquivalentTo(["RetryCount", "Url"]);
        (await host.Destinations.GetAsync(created.Id)).RetryCount.Should().Be(3);
    }

    [Test]
    public async Task GetUpdateDeleteEnableDisable_UnknownId_ThrowNotFound()
    {
        await using var host = await WebhookTestHost.StartAsync();

        await FluentActions.Awaiting(() => host.Destinations.GetAsync("missing")).Should().ThrowAsync<WebhookNotFoundException>().WithMessage("*'missing'*");
        await FluentActions.Awaiting(() => host.Destinations.UpdateAsync("missing", new() { Name = "x" })).Should().ThrowAsync<WebhookNotFoundException>();
        await FluentActions.Awaiting(() => host.Destinations.DeleteAsync("missing")).Should().ThrowAsync<WebhookNotFoundException>();
        await FluentActions.Awaiting(() => host.Destinations.EnableAsync("missing")).Should().ThrowAsync<WebhookNotFoundException>();
        await FluentActions.Awaiting(() => host.Destinations.DisableAsync("missing")).Should().ThrowAsync<WebhookNotFoundException>();
        await FluentActions.Awaiting(() => host.Destinations.TestAsync("missing")).Should().ThrowAsync<WebhookNotFoundException>();
    }

    [Test]
    public async Task DeleteAsync_WithRetryPending_RemovesThePendingDeliveryAndNothingMoreIsSent()
    {
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.DefaultResponse = ReceiverResponse.Status(500);
        await using var host = await WebhookTestHost.StartAsync(time: time);
        var destination = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        var deliveryId = (await host.Publisher.PublishAsync(Event())).Deliveries[0].DeliveryId;
        (await host.WaitForAttemptsAsync(deliveryId, 1)).Status.Should().Be(WebhookDeliveryStatus.Pending);

        await host.Destinations.DeleteAsync(destination.Id);
        time.Advance(TimeSpan.FromMinutes(5));
        await Task.Delay(300);

        await FluentActions.Awaiting(() => host.DeliveryLog.GetAsync(deliveryId)).Should().ThrowAsync<WebhookNotFoundException>();
        receiver.Requests.Should().ContainSingle();
        await FluentActions.Awaiting(() => host.Destinations.GetAsync(destination.Id)).Should().ThrowAsync<WebhookNotFoundException>();
    }

    [Test]
    public async Task CreateAsync_Disabled_IsNotRoutedUntilEnabled()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var destination = await host.Destinations.CreateAsync(new() { Name = "later", Url = receiver.Url().ToString(), Enabled = false });

        destination.Enabled.Should().BeFalse();
        (await host.Publisher.PublishAsync(Event())).Deliveries.Should().BeEmpty();
        await host.Destinations.EnableAsync(destination.Id);
        (await host.Publisher.PublishAsync(Event())).Deliveries.Should().ContainSingle();
    }

    [Test]
    public async Task TestAsync_SavedDestination_ReturnsOutcomeAndRecordsItInHistory()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue(ReceiverResponse.Ok("thanks"));
        await using var host = await WebhookTestHost.StartAsync(services: (_, b) => b.AddEventTypes(new EventTypeDefinition(
            "scan.completed",
            "A scan finished.",
            System.Text.Json.JsonSerializer.SerializeToElement(new { example = "payload" }))));
        var destination = await host.Destinations.CreateAsync(new() { Name = "scans", Url = receiver.Url().ToString(), Subscriptions = ["scan.*"] });

        var result = await host.Destinations.TestAsync(destination.Id);

        result.Success.Should().BeTrue();
        result.Reached.Should().BeTrue();
        result.StatusCode.Should().Be(200);
        result.ResponseExcerpt.Should().Be("thanks");
        result.Error.Should().BeNull();
        result.Duration.Should().BePositive();
        result.DeliveryId.Should().NotBeNull();
        var request = receiver.Requests.Should().ContainSingle().Subject;
        request.Header("webhook-event-type").Should().Be("scan.completed");
        request.BodyText.Should().Contain("\"example\":\"payload\"");
        var delivery = await host.DeliveryLog.GetAsync(result.DeliveryId!);
        delivery.IsTest.Should().BeTrue();
        delivery.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        (await host.DeliveryLog.ListAsync(destination.Id)).Should().ContainSingle().Which.Id.Should().Be(result.DeliveryId);
        var attempt = (await host.DeliveryLog.ListAttemptsAsync(result.DeliveryId!)).Should().ContainSingle().Subject;
        attempt.StatusCode.Should().Be(200);
        attempt.ResponseExcerpt.Should().Be("thanks");
    }

    [Test]
    public async Task TestAsync_SavedDestinationAnswering500_ReportsReachedButFailedWithExcerpt()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue(ReceiverResponse.Status(500, "database down"));
        await using var host = await WebhookTestHost.StartAsync();
        var destination = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));

        var result = await host.Destinations.TestAsync(destination.Id, new WebhookTestRequest { EventType = "custom.ping", Data = System.Text.Json.JsonSerializer.SerializeToElement(new { ping = 1 }) });

        result.Success.Should().BeFalse();
        result.Reached.Should().BeTrue();
        result.StatusCode.Should().Be(500);
        result.ResponseExcerpt.Should().Be("database down");
        result.Error.Should().Contain("500");
        receiver.Requests.Should().ContainSingle().Which.BodyText.Should().Contain("\"ping\":1").And.Contain("custom.ping");
        (await host.DeliveryLog.GetAsync(result.DeliveryId!)).Status.Should().Be(WebhookDeliveryStatus.Failed);
    }

    [Test]
    public async Task TestAsync_Draft_SendsNowAndStoresNothing()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();

        var result = await host.Destinations.TestDraftAsync(WebhookTestHost.Destination(receiver, "/draft"));

        result.Success.Should().BeTrue();
        result.StatusCode.Should().Be(200);
        result.DeliveryId.Should().BeNull();
        receiver.Requests.Should().ContainSingle().Which.Path.Should().Be("/draft");
        (await host.Destinations.ListAsync()).Total.Should().Be(0);
        (await host.DeliveryLog.ListAsync(null)).Should().BeEmpty();
    }

    [Test]
    public async Task TestAsync_DraftNobodyListensOn_ReportsNotReachedWithError()
    {
        int port;
        await using (var closed = await LocalWebhookReceiver.StartAsync())
        {
            port = closed.BaseUrl.Port;
        }

        await using var host = await WebhookTestHost.StartAsync();

        var result = await host.Destinations.TestDraftAsync(new WebhookDestinationDefinition { Name = "gone", Url = $"http://127.0.0.1:{port}/hook" });

        result.Success.Should().BeFalse();
        result.Reached.Should().BeFalse();
        result.StatusCode.Should().BeNull();
        result.Error.Should().NotBeNullOrWhiteSpace();
    }

    [Test]
    public async Task TestAsync_InvalidDraft_IsRefusedWithValidationErrors()
    {
        await using var host = await WebhookTestHost.StartAsync();

        var act = () => host.Destinations.TestDraftAsync(new WebhookDestinationDefinition { Name = "", Url = "x" });

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Select(e => e.Field).Should().BeEquivalentTo(["Name", "Url"]);
    }
}

using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;
using static Webhooks.Sdk.Tests.Engine.EngineTestKit;

namespace Webhooks.Sdk.Tests.Engine;

/// <summary>Poison handling: whatever fails while preparing or sending an attempt is a failed attempt within the retry budget.</summary>
public class DeliveryProcessorTests
{
    [Test]
    public async Task ProcessAsync_UrlCannotBeBuilt_FailsAfterItsRetryBudgetAndFreesItsOrderingKey()
    {
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(time: time, services: (_, b) => b.AddFormatter<EventRoutedFormatter>());
        var destination = await host.Destinations.CreateAsync(new WebhookDestinationDefinition
        {
            Name = "routed",
            Url = receiver.Url("/hook").ToString(),
            Format = EventRoutedFormatter.FormatName,
            RetryCount = 2,
            OrderedDelivery = true,
        });

        // The formatter takes the target from the event: this one is no URL at all.
        var poison = (await host.Publisher.PublishAsync(Event("order-1", new { target = "::not a url::" }))).Deliveries.Should().ContainSingle().Subject.DeliveryId;
        var next = (await host.Publisher.PublishAsync(Event("order-1", new { target = receiver.Url("/routed").ToString() }))).Deliveries.Should().ContainSingle().Subject.DeliveryId;

        var failed = await host.DriveUntilFinalAsync(time, poison);

        failed.Status.Should().Be(WebhookDeliveryStatus.Failed);
        failed.AttemptCount.Should().Be(3, "the budget is 1 + RetryCount attempts");
        failed.LastError.Should().Contain("not a valid absolute URL");
        var attempts = await host.DeliveryLog.ListAttemptsAsync(poison);
        attempts.Select(a => a.Number).Should().Equal(1, 2, 3);
        attempts.Should().OnlyContain(a => !a.Success && a.StatusCode == null && !string.IsNullOrEmpty(a.Error));

        var delivered = await host.DriveUntilFinalAsync(time, next);
        delivered.Status.Should().Be(WebhookDeliveryStatus.Succeeded, "the ordering key is free once the poison delivery is dead-lettered");
        receiver.Requests.Should().ContainSingle().Which.Path.Should().Be("/routed");
        (await host.Destinations.GetAsync(destination.Id)).ConsecutiveFailures.Should().Be(0);
    }

    [Test]
    public async Task ProcessAsync_ClientCertificateCannotBeLoaded_FailsAfterItsRetryBudgetAndTheNextEventOfTheKeyIsDeliveredOnceFixed()
    {
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(time: time);
        var mapper = host.Services.GetRequiredService<DestinationMapper>();

        // A certificate the validator would refuse today, stored by an older version: it fails only when loaded to send.
        var unreadableCertificate = new MutualTlsWebhookAuth { CertificatePem = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----", PrivateKeyPem = "nope" };
        var id = await host.InsertRawAsync("mtls", receiver.Url("/hook").ToString(), mapper.ProtectAuth(unreadableCertificate), ordered: true, retryCount: 1);

        var poison = (await host.Publisher.PublishAsync(Event("order-1"))).Deliveries.Should().ContainSingle().Subject.DeliveryId;
        var next = (await host.Publisher.PublishAsync(Event("order-1"))).Deliveries.Should().ContainSingle().Subject.DeliveryId;

        var failed = await host.DriveUntilFinalAsync(time, poison);

        failed.Status.Should().Be(WebhookDeliveryStatus.Failed);
        failed.AttemptCount.Should().Be(2);
        failed.LastError.Should().Contain("could not be made");
        receiver.Requests.Should().BeEmpty();

        // The next event of the key is leased at once (not stuck behind the dead-lettered one); fixing the credentials lets it through.
        await WebhookTestHost.WaitUntilAsync(async () => (await host.DeliveryLog.GetAsync(next)).AttemptCount >= 1, because: "the next delivery of the key is attempted");
        await host.Destinations.UpdateAsync(id, new WebhookDestinationUpdate { Auth = NoWebhookAuth.Instance });
        var delivered = await host.DriveUntilFinalAsync(time, next);

        delivered.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        delivered.AttemptCount.Should().Be(2);
        receiver.Requests.Should().ContainSingle();
    }

    [Test]
    public async Task Dispatch_DestinationEncryptedWithAnotherKey_IsReportedFailsItsOwnDeliveriesAndDoesNotDelayOthers()
    {
        var time = new FakeTimeProvider(Start);
        var observer = new RecordingObserver();
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(services: (_, b) => b.AddObserver(observer), time: time);
        var broken = await host.InsertRawAsync("broken", receiver.Url("/broken").ToString(), ProtectWithAnotherKey(new BearerTokenWebhookAuth { Token = "t0ken-value" }));
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/a", "a"));
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/b", "b"));

        // Publishing goes on for the tenant; the unreadable destination's delivery is queued beside the others.
        var published = await host.Publisher.PublishAsync(Event());
        published.Deliveries.Should().HaveCount(3);

        // The clock never moves: nothing here may wait for a lease to expire.
        foreach (var d in published.Deliveries)
        {
            var final = await host.WaitForFinalAsync(d.DeliveryId, TimeSpan.FromSeconds(10));
            if (d.DestinationId == broken)
            {
                final.Status.Should().Be(WebhookDeliveryStatus.Failed);
                final.LastError.Should().Contain("cannot be read").And.Contain("CryptographicException").And.NotContain("t0ken-value");
            }
            else
            {
                final.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
            }
        }

        receiver.Requests.Select(r => r.Path).Should().BeEquivalentTo(["/a", "/b"]);
        observer.Unreadable.Should().Contain(u => u.Id == broken && u.Reason.Contains("cannot be read"));
        observer.Failed.Should().ContainSingle().Which.DestinationId.Should().Be(broken);
        host.Logs.AllText.Should().Contain("cannot be read");
    }

    [Test]
    public async Task ProcessAsync_StoredRateLimitTooSmallForATimeSpan_IsPostponedNotStuck()
    {
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(time: time);
        var store = host.Services.GetRequiredService<Webhooks.Sdk.Storage.IWebhookStore>();
        var id = await host.InsertRawAsync("slow", receiver.Url("/hook").ToString(), protectedAuth: null);
        var record = (await store.GetDestinationAsync(WebhookTenant.Default, id, CancellationToken.None))!;
        var config = DestinationConfig.Parse(record.ConfigJson);
        config.RateLimit = new WebhookRateLimit(PerSecond: 1e-300, Burst: 1);
        await store.UpdateDestinationAsync(new Webhooks.Sdk.Storage.DestinationChange { TenantId = record.TenantId, Id = id, At = Start.AddSeconds(1), ConfigJson = config.ToJson() }, CancellationToken.None);

        var first = (await host.Publisher.PublishAsync(Event())).Deliveries.Should().ContainSingle().Subject.DeliveryId;
        var second = (await host.Publisher.PublishAsync(Event())).Deliveries.Should().ContainSingle().Subject.DeliveryId;

        (await host.WaitForFinalAsync(first)).Status.Should().Be(WebhookDeliveryStatus.Succeeded, "the burst token goes out at once");
        await WebhookTestHost.WaitUntilAsync(
            async () => (await host.DeliveryLog.GetAsync(second)).NextAttemptAt > Start,
            because: "the second delivery is postponed to when a token would be available, capped, instead of throwing");
        var postponed = await host.DeliveryLog.GetAsync(second);
        postponed.NextAttemptAt.Should().Be(Start + Delivery.TokenBucket.MaxWait);
        postponed.AttemptCount.Should().Be(0);
        host.Logs.AllText.Should().NotContain("failed unexpectedly");
    }

    /// <summary>A user formatter that sends each event to the URL named in its data (or the destination's).</summary>
    private sealed class EventRoutedFormatter : IWebhookFormatter
    {
        public const string FormatName = "event-routed";

        public string Name => FormatName;

        public string? GetCacheKey(WebhookFormatContext context) => null;

        public WebhookPayload Format(WebhookFormatContext context) => new()
        {
            Body = "{}"u8.ToArray(),
            ContentType = "application/json",
            Url = context.Event.Data is { } data && data.TryGetProperty("target", out var target) ? target.GetString() : null,
        };
    }
}

using System.Diagnostics;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;
using static Webhooks.Sdk.Tests.Core.CoreTestKit;

namespace Webhooks.Sdk.Tests.Diagnostics;

public class WebhookTracingTests
{
    private readonly List<string> _files = [];

    [TearDown]
    public void DeleteFiles()
    {
        foreach (var file in _files)
        {
            foreach (var path in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(path);
            }
        }
    }

    [TestCase("memory")]
    [TestCase("sqlite")]
    public async Task Attempts_RetriedByANewHostOnTheSameStore_AreChildrenOfThePublishSpan(string storeKind)
    {
        using var capture = new SpanCapture();
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue(ReceiverResponse.Status(503));
        var memory = new InMemoryWebhookStore();
        var file = Path.Combine(Path.GetTempPath(), "webhooks-trace-" + Guid.NewGuid().ToString("N") + ".db");
        _files.Add(file);
        Action<IServiceCollection, IWebhooksBuilder> store = storeKind == "memory"
            ? (_, b) => b.UseStore(_ => memory)
            : (_, b) => b.UseSqliteStore(file);

        string deliveryId;
        await using (var first = await WebhookTestHost.StartAsync(o => o.Secrets.Key = Convert.ToBase64String(new byte[32]), services: store, time: time))
        {
            await first.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
            deliveryId = (await first.Publisher.PublishAsync(Event("order.created"))).Deliveries[0].DeliveryId;
            await first.WaitForAttemptsAsync(deliveryId, 1);
        }

        // A new host on the same store: a process restart. The retry is due 10 s after the first attempt.
        await using var second = await WebhookTestHost.StartAsync(o => o.Secrets.Key = Convert.ToBase64String(new byte[32]), services: store, time: time);
        time.Advance(TimeSpan.FromSeconds(10));
        (await second.WaitForFinalAsync(deliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);

        var publish = capture.Publish("order.created");
        publish.Kind.Should().Be(ActivityKind.Producer);
        publish.GetTagItem("messaging.system").Should().Be("webhooks");
        publish.GetTagItem("messaging.operation.type").Should().Be("send");
        publish.GetTagItem("messaging.destination.name").Should().Be("order.created");
        var attempts = capture.Attempts("order.created");
        attempts.Should().HaveCount(2);
        foreach (var attempt in attempts)
        {
            attempt.Kind.Should().Be(ActivityKind.Client);
            attempt.TraceId.Should().Be(publish.TraceId);
            attempt.ParentSpanId.Should().Be(publish.SpanId, "every attempt, even after the restart, is a child of its publish");
            attempt.GetTagItem("webhooks.delivery.id").Should().Be(deliveryId);
            attempt.GetTagItem("server.address").Should().Be("127.0.0.1");
        }

        attempts[0].GetTagItem("webhooks.attempt.number").Should().Be(1);
        attempts[0].GetTagItem("http.response.status_code").Should().Be(503);
        attempts[0].GetTagItem("error.type").Should().Be("503");
        attempts[0].Status.Should().Be(ActivityStatusCode.Error);
        attempts[1].GetTagItem("webhooks.attempt.number").Should().Be(2);
        attempts[1].GetTagItem("http.request.resend_count").Should().Be(1);
        attempts[1].GetTagItem("http.response.status_code").Should().Be(200);
        attempts[1].GetTagItem("error.type").Should().BeNull();
        receiver.Requests.Select(r => r.Header("traceparent")).Should().AllSatisfy(h => h.Should().Contain(publish.TraceId.ToHexString()));
    }

    [Test]
    public async Task Traceparent_OnByDefault_ArrivesAtTheReceiverFromTheHttpClientSpanUnderTheAttempt()
    {
        using var capture = new SpanCapture();
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/traced"));

        var deliveryId = (await host.Publisher.PublishAsync(Event("scan.completed"))).Deliveries[0].DeliveryId;
        await host.WaitForFinalAsync(deliveryId);

        var attempt = capture.Attempts("scan.completed").Should().ContainSingle().Subject;
        var http = capture.Spans.Where(a => a.Source.Name == "System.Net.Http").Should().ContainSingle().Subject;
        http.ParentSpanId.Should().Be(attempt.SpanId, "HttpClient's own span nests under the attempt span");
        var traceparent = receiver.RequestsTo("/traced").Single().Header("traceparent");
        traceparent.Should().Be($"00-{attempt.TraceId.ToHexString()}-{http.SpanId.ToHexString()}-01");
    }

    [Test]
    public async Task Traceparent_TurnedOffForADestination_IsNotSentToItButStillToOthers()
    {
        using var capture = new SpanCapture();
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/private", "private").With(d => d.PropagateTraceContext = false));
        var other = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/other", "other"));

        var published = await host.Publisher.PublishAsync(Event("scan.completed"));
        foreach (var id in published.DeliveryIds)
        {
            await host.WaitForFinalAsync(id);
        }

        receiver.RequestsTo("/private").Single().Header("traceparent").Should().BeNull();
        receiver.RequestsTo("/other").Single().Header("traceparent").Should().StartWith("00-" + capture.Publish("scan.completed").TraceId.ToHexString());
        other.PropagateTraceContext.Should().BeTrue();
        (await host.Destinations.ListAsync()).Items.Single(d => d.Name == "private").PropagateTraceContext.Should().BeFalse();
    }

    [Test]
    public async Task Traceparent_NobodyListensToTheLibrary_StillCarriesTheCallersTraceToTheReceiver()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        using var caller = new Activity("caller").SetIdFormat(ActivityIdFormat.W3C).Start();

        var deliveryId = (await host.Publisher.PublishAsync(Event())).Deliveries[0].DeliveryId;
        caller.Stop();
        await host.WaitForFinalAsync(deliveryId);

        var traceparent = receiver.Requests.Single().Header("traceparent");
        traceparent.Should().StartWith("00-" + caller.TraceId.ToHexString() + "-");
        traceparent.Should().NotContain(caller.SpanId.ToHexString(), "the request is a child of the caller, not the caller itself");
    }
}

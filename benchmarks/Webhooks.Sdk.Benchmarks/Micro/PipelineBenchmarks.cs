using System.Net;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Benchmarks.Micro;

/// <summary>
/// The engine around the sender, per delivery and without a network: publishing one event to one destination (router,
/// serialization, in-memory store), and processing one leased delivery (rate limit check, attempt through an
/// in-process handler answering 200, store completion, destination health).
/// </summary>
[MemoryDiagnoser]
[InvocationCount(4096)]
public class PipelineBenchmarks
{
    private ServiceProvider _services = null!;
    private IWebhookPublisher _publisher = null!;
    private IWebhookStore _store = null!;
    private DeliveryProcessor _processor = null!;
    private DestinationRuntime _destination = null!;
    private WebhookEvent _event = null!;
    private IReadOnlyList<LeasedDelivery> _leased = [];
    private int _next;

    /// <summary>A fresh in-memory store per iteration, so the queue does not grow across iterations.</summary>
    [IterationSetup(Target = nameof(Publish))]
    public void SetupPublish() => Build(leaseCount: 0);

    /// <summary>A fresh store with one leased delivery ready per invocation.</summary>
    [IterationSetup(Target = nameof(ProcessLeasedDelivery))]
    public void SetupProcess() => Build(leaseCount: 4096);

    /// <summary>Disposes the services.</summary>
    [IterationCleanup]
    public void Cleanup() => _services.Dispose();

    /// <summary>Publishes one event to its one subscribed destination.</summary>
    /// <returns>The result.</returns>
    [Benchmark]
    public Task<PublishResult> Publish() => _publisher.PublishAsync(_event with { Id = null });

    /// <summary>Processes one leased delivery end to end against the in-process handler.</summary>
    /// <returns>A task.</returns>
    [Benchmark]
    public ValueTask ProcessLeasedDelivery() => _processor.ProcessAsync(_leased[_next++], _destination, unreadable: null, CancellationToken.None);

    private void Build(int leaseCount)
    {
        var services = new ServiceCollection();
        services.AddWebhooks(o => o.Safety.DangerouslyAllowLoopbackForDevelopment());
        services.AddHttpClient(DeliverySender.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new OkHandler());
        _services = services.BuildServiceProvider();
        _publisher = _services.GetRequiredService<IWebhookPublisher>();
        _store = _services.GetRequiredService<IWebhookStore>();
        _processor = _services.GetRequiredService<DeliveryProcessor>();
        var created = _services.GetRequiredService<IWebhookDestinationManager>()
            .CreateAsync(new WebhookDestinationDefinition { Name = "bench", Url = "http://127.0.0.1:9/hook" }).GetAwaiter().GetResult();
        _event = WebhookEvent.Create("scan.completed", new { findings = 3, target = "app" });
        for (var i = 0; i < leaseCount; i++)
        {
            _publisher.PublishAsync(_event with { Id = null }).GetAwaiter().GetResult();
        }

        _leased = leaseCount == 0 ? [] : _store.LeaseDueAsync(
            new LeaseRequest { MaxCount = leaseCount, Now = DateTimeOffset.UtcNow, Duration = TimeSpan.FromHours(1) },
            CancellationToken.None).GetAwaiter().GetResult();
        var record = _store.GetDestinationAsync(created.TenantId, created.Id, CancellationToken.None).GetAwaiter().GetResult()!;
        _destination = _services.GetRequiredService<DestinationMapper>().ToRuntime(record);
        _next = 0;
    }

    private sealed class OkHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent("ok"u8.ToArray()), RequestMessage = request });
    }
}

using System.Net;
using System.Reflection;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Benchmarks.Micro;

/// <summary>
/// Per-delivery work in the sender: rendering (cached per event and format), building the request with the library's
/// headers, and a whole attempt through the HTTP client factory and the Polly pipeline to an in-process handler that
/// answers 200 (no network), so allocations per delivery can be read off.
/// </summary>
[MemoryDiagnoser]
public class RequestBuildingBenchmarks
{
    private ServiceProvider _services = null!;
    private DeliverySender _sender = null!;
    private DestinationRuntime _destination = null!;
    private CachedEvent _event = null!;
    private WebhookPayload _payload = null!;
    private Func<DestinationRuntime, CachedEvent, WebhookPayload, Uri, int, DateTimeOffset, HttpRequestMessage> _build = null!;

    /// <summary>Builds the services and one destination with two custom headers.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddWebhooks(o => o.Safety.DangerouslyAllowLoopbackForDevelopment());
        services.AddHttpClient(DeliverySender.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new OkHandler());
        _services = services.BuildServiceProvider();
        var manager = _services.GetRequiredService<IWebhookDestinationManager>();
        var created = manager.CreateAsync(new WebhookDestinationDefinition
        {
            Name = "bench",
            Url = "http://127.0.0.1:9/hook",
            Headers = new Dictionary<string, string> { ["X-Team"] = "platform", ["X-Env"] = "bench" },
        }).GetAwaiter().GetResult();
        var record = _services.GetRequiredService<IWebhookStore>().GetDestinationAsync(created.TenantId, created.Id, CancellationToken.None).GetAwaiter().GetResult()!;
        _destination = _services.GetRequiredService<DestinationMapper>().ToRuntime(record);
        _sender = _services.GetRequiredService<DeliverySender>();
        var evt = WebhookEvent.Create("scan.completed", new { findings = 3, target = "app" }) with { Id = "evt_bench", OccurredAt = DateTimeOffset.UnixEpoch };
        _event = new CachedEvent(evt, Formatting.EnvelopeSerializer.Serialize(evt));
        _payload = _sender.Render(_destination, _event, correlationId: null);
        var method = typeof(DeliverySender).GetMethod("BuildRequest", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("DeliverySender.BuildRequest was not found.");
        _build = method.CreateDelegate<Func<DestinationRuntime, CachedEvent, WebhookPayload, Uri, int, DateTimeOffset, HttpRequestMessage>>(_sender);
    }

    /// <summary>Disposes the services.</summary>
    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    /// <summary>Rendering through the per-event cache (the JSON envelope is reused).</summary>
    /// <returns>The payload.</returns>
    [Benchmark]
    public WebhookPayload Render() => _sender.Render(_destination, _event, correlationId: null);

    /// <summary>Building the request message with the library's and the destination's headers.</summary>
    /// <returns>The content length, so the request is used.</returns>
    [Benchmark(Baseline = true)]
    public int BuildRequest()
    {
        using var request = _build(_destination, _event, _payload, _destination.Url, 1, DateTimeOffset.UnixEpoch);
        return request.Headers.Count();
    }

    /// <summary>One whole attempt: render, build, authenticate, client factory, Polly pipeline, in-process handler, classification.</summary>
    /// <returns>The outcome.</returns>
    [Benchmark]
    public async Task<bool> WholeAttempt()
    {
        var outcome = await _sender.SendAsync(_destination, _event, 1, correlationId: null, useBreaker: true, CancellationToken.None);
        return outcome.Result.Success;
    }

    private sealed class OkHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent("ok"u8.ToArray()), RequestMessage = request });
    }
}

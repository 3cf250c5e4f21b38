using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Webhooks.Sdk.Tests.Diagnostics;

/// <summary>An OpenTelemetry tracer provider with the in-memory exporter, listening to the library and to HttpClient.</summary>
internal sealed class SpanCapture : IDisposable
{
    private readonly List<Activity> _exported = [];
    private readonly TracerProvider _provider;

    public SpanCapture()
    {
        _provider = OpenTelemetry.Sdk.CreateTracerProviderBuilder()
            .AddSource("Webhooks.Sdk", "System.Net.Http")
            .SetSampler(new AlwaysOnSampler())
            .AddInMemoryExporter(_exported)
            .Build()!;
    }

    public IReadOnlyList<Activity> Spans
    {
        get
        {
            lock (_exported)
            {
                return _exported.ToArray();
            }
        }
    }

    public IReadOnlyList<Activity> Library => Spans.Where(a => a.Source.Name == "Webhooks.Sdk").ToArray();

    public Activity Publish(string eventType) => Library.Single(a => a.DisplayName == "publish " + eventType);

    public IReadOnlyList<Activity> Attempts(string eventType) => Library.Where(a => a.DisplayName == "send " + eventType).OrderBy(a => a.StartTimeUtc).ToArray();

    public void Dispose() => _provider.Dispose();
}

internal static class DefinitionExtensions
{
    public static WebhookDestinationDefinition With(this WebhookDestinationDefinition definition, Action<WebhookDestinationDefinition> change)
    {
        change(definition);
        return definition;
    }
}

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;
using static Webhooks.Sdk.Tests.Core.CoreTestKit;

namespace Webhooks.Sdk.Tests.Diagnostics;

public class TelemetrySecrecyTests
{
    private const string PathSecret = "T00PATHSECRET";
    private const string QuerySecret = "QUERYSECRET42";
    private const string Token = "BEARERSECRET77";
    private const string HeaderSecret = "HEADERSECRET99";

    [Test]
    public async Task SpansAndMetrics_CredentialBearingUrlAndSecrets_AppearInNoAttributeOrTag()
    {
        using var capture = new SpanCapture();
        var tags = new ConcurrentQueue<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Webhooks.Sdk")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, t, _) => Collect(tags, t));
        listener.SetMeasurementEventCallback<double>((_, _, t, _) => Collect(tags, t));
        listener.Start();
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue(ReceiverResponse.Status(500));
        await using var host = await WebhookTestHost.StartAsync(o => o.Telemetry.IncludeDestinationIdInMetrics = true);
        await host.Destinations.CreateAsync(new WebhookDestinationDefinition
        {
            Name = "slack-like",
            Url = receiver.Url($"/services/{PathSecret}?token={QuerySecret}").ToString(),
            Auth = new BearerTokenWebhookAuth { Token = Token },
            Headers = new Dictionary<string, string> { ["X-Custom"] = HeaderSecret },
        });

        var deliveryId = (await host.Publisher.PublishAsync(Event())).Deliveries[0].DeliveryId;
        await host.WaitForAttemptsAsync(deliveryId, 1);
        listener.RecordObservableInstruments();

        receiver.Requests.Should().ContainSingle().Which.Header("Authorization").Should().Be("Bearer " + Token, "the secrets were really used");
        var attributes = capture.Library.SelectMany(a => a.TagObjects.Select(t => $"{t.Key}={t.Value}").Append(a.DisplayName).Append(a.StatusDescription ?? string.Empty)).ToArray();
        attributes.Should().NotBeEmpty();
        tags.Should().NotBeEmpty();
        foreach (var secret in new[] { PathSecret, QuerySecret, Token, HeaderSecret, "/services" })
        {
            attributes.Should().NotContain(a => a.Contains(secret, StringComparison.Ordinal), "no span attribute may carry {0}", secret);
            tags.Should().NotContain(t => t.Contains(secret, StringComparison.Ordinal), "no metric tag may carry {0}", secret);
        }
    }

    [Test]
    public async Task Logs_EveryLineAboutADelivery_CarriesTheDeliveryScope()
    {
        var scopes = new ScopeCapturingProvider();
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue(ReceiverResponse.Status(500));
        await using var host = await WebhookTestHost.StartAsync(services: (s, _) => s.AddLogging(b => b.AddProvider(scopes)));
        var destination = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));

        var id = (await host.Publisher.PublishAsync(Event())).Deliveries[0].DeliveryId;
        await host.WaitForAttemptsAsync(id, 1);

        var lines = scopes.Lines.Where(l => l.Message.Contains(id, StringComparison.Ordinal)).ToArray();
        lines.Should().NotBeEmpty();
        lines.Should().OnlyContain(l => l.Scope.Contains("DeliveryId=" + id) && l.Scope.Contains("DestinationId=" + destination.Id) && l.Scope.Contains("TenantId=default"));
    }

    private static void Collect(ConcurrentQueue<string> sink, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            sink.Enqueue($"{tag.Key}={tag.Value}");
        }
    }

    private sealed class ScopeCapturingProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public ConcurrentQueue<(string Message, string Scope)> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(ScopeCapturingProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => owner._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scope = new List<string>();
                owner._scopes.ForEachScope(
                    (s, list) =>
                    {
                        if (s is IEnumerable<KeyValuePair<string, object?>> pairs)
                        {
                            list.AddRange(pairs.Select(p => $"{p.Key}={p.Value}"));
                        }
                    },
                    scope);
                owner.Lines.Enqueue((formatter(state, exception), string.Join(";", scope)));
            }
        }
    }
}

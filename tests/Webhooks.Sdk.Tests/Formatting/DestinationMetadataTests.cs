using System.Text.Json;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Formatting;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Formatting;

/// <summary>The destination's id and name in the JSON envelope's metadata and in templates.</summary>
public class DestinationMetadataTests
{
    [Test]
    public void WithDestination_EnvelopeWithAndWithoutMetadata_MembersFirstValidJson()
    {
        var withMeta = EnvelopeSerializer.Serialize(FormatTestKit.Sample());
        var bare = EnvelopeSerializer.Serialize(new WebhookEvent { Id = "e1", Type = "t", OccurredAt = FormatTestKit.SampleTime, Data = JsonSerializer.SerializeToElement(new { metadata = new { x = "{\"metadata\":{" } }) });

        foreach (var envelope in new[] { withMeta, bare })
        {
            var spliced = JsonEnvelopeFormatter.WithDestination(envelope, "dst_1", "Ops \"team\" ü");
            var root = JsonDocument.Parse(spliced).RootElement;
            var metadata = root.GetProperty("metadata");
            metadata.EnumerateObject().First().Name.Should().Be("destinationId");
            metadata.GetProperty("destinationId").GetString().Should().Be("dst_1");
            metadata.GetProperty("destinationName").GetString().Should().Be("Ops \"team\" ü");
            root.GetProperty("data").GetRawText().Should().Be(JsonDocument.Parse(envelope).RootElement.GetProperty("data").GetRawText());
        }
    }

    [Test]
    public async Task Publish_TwoJsonDestinations_EachBodyNamesItsDestinationEnvelopeFieldsExact()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var a = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/a", "Alpha"));
        var b = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/b", "Beta"));
        var time = new DateTimeOffset(2026, 3, 1, 12, 0, 0, 250, TimeSpan.Zero);

        var published = await host.Publisher.PublishAsync(new WebhookEvent { Id = "evt_fixed", Type = "order.created", OccurredAt = time, Title = "T", Data = JsonSerializer.SerializeToElement(new { n = 1 }), Metadata = new Dictionary<string, string> { ["actor"] = "bob" } });
        foreach (var d in published.Deliveries)
        {
            await host.WaitForFinalAsync(d.DeliveryId);
        }

        foreach (var (path, destination) in new[] { ("/a", a), ("/b", b) })
        {
            var request = receiver.Requests.Single(r => r.Path == path);
            request.BodyText.Should().Be(
                "{\"id\":\"evt_fixed\",\"type\":\"order.created\",\"timestamp\":\"2026-03-01T12:00:00.25+00:00\",\"data\":{\"n\":1},"
                + $"\"metadata\":{{\"destinationId\":\"{destination.Id}\",\"destinationName\":\"{destination.Name}\",\"title\":\"T\",\"actor\":\"bob\"}}}}");
            request.Headers["webhook-id"].Should().Be("evt_fixed");
        }
    }

    [Test]
    public async Task Publish_BodyTemplateWithDestinationFields_Rendered()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var definition = WebhookTestHost.Destination(receiver, "/t", "Gamma");
        definition.BodyTemplate = "{\"to\":\"${destination.name}\",\"id\":\"${destination.id}\"}";
        var created = await host.Destinations.CreateAsync(definition);

        var published = await host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { n = 1 }));
        await host.WaitForFinalAsync(published.Deliveries[0].DeliveryId);

        receiver.Requests.Single().BodyText.Should().Be($"{{\"to\":\"Gamma\",\"id\":\"{created.Id}\"}}");
    }
}

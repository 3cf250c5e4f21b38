using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Safety;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Safety;

/// <summary>Event types and ids have a character set checked at publish; header values are encoded or refused, never sent broken.</summary>
public class WireTextTests
{
    [TestCase("order.created", true)]
    [TestCase("com.example:orders/created_v2-beta", true)]
    [TestCase("commande.créée", false)]
    [TestCase("order created", false)]
    [TestCase("order.*", false)]
    [TestCase("order\u0000x", false)]
    [TestCase("", false)]
    public void IsValidType_Examples(string type, bool valid) => WireText.IsValidType(type).Should().Be(valid);

    [TestCase("evt_01JABC", true)]
    [TestCase("a:b/c+d=e@f", true)]
    [TestCase("evt.1", false)]
    [TestCase("évènement", false)]
    [TestCase("evt 1", false)]
    public void IsValidId_Examples(string id, bool valid) => WireText.IsValidId(id).Should().Be(valid);

    [TestCase("plain text", "plain text")]
    [TestCase("Zoë 😀", "Zo%C3%AB %F0%9F%98%80")]
    [TestCase("100%", "100%25")]
    [TestCase("a\r\nb", "a%0D%0Ab")]
    public void EncodeHeaderValue_Examples(string value, string expected)
    {
        var encoded = WireText.EncodeHeaderValue(value);

        encoded.Should().Be(expected);
        Uri.UnescapeDataString(encoded).Should().Be(value);
    }

    [Test]
    public async Task PublishAsync_NonAsciiType_RefusedNamingTypeAndNothingQueued()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var destination = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));

        var act = () => host.Publisher.PublishAsync(WebhookEvent.Create("commande.créée", new { n = 1 }));

        var error = (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().ContainSingle().Subject;
        error.Field.Should().Be("Type");
        error.Message.Should().Contain("ASCII letters");
        (await host.DeliveryLog.ListAsync(destination.Id)).Should().BeEmpty();
    }

    [Test]
    public async Task PublishAsync_NonAsciiId_RefusedNamingId()
    {
        await using var host = await WebhookTestHost.StartAsync();

        var act = () => host.Publisher.PublishAsync(new WebhookEvent { Id = "évt-1", Type = "order.created" });

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().ContainSingle().Which.Field.Should().Be("Id");
    }

    [Test]
    public async Task Delivery_TemplatedHeaderWithNonAsciiData_SentPercentEncoded()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var definition = WebhookTestHost.Destination(receiver);
        definition.Headers["X-Customer"] = "name=${data.name}; 100%";
        await host.Destinations.CreateAsync(definition);

        var published = await host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { name = "Zoë 😀\r\nX-Injected: 1" }));

        (await host.WaitForFinalAsync(published.Deliveries[0].DeliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        var request = receiver.Requests.Should().ContainSingle().Subject;
        request.Headers["X-Customer"].Should().Be("name=Zo%C3%AB %F0%9F%98%80%0D%0AX-Injected: 1; 100%");
        request.Headers.Should().NotContainKey("X-Injected");
    }

    [Test]
    public async Task CreateAsync_StaticHeaderWithNonAsciiValue_RefusedNamingTheHeader()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var definition = WebhookTestHost.Destination(receiver);
        definition.Headers["X-Team"] = "équipe";

        var act = () => host.Destinations.CreateAsync(definition);

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().ContainSingle().Which.Field.Should().Be("Headers[X-Team]");
    }
}

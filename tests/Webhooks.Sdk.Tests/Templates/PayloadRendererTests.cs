using System.Text.Json;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Formatting;
using Webhooks.Sdk.Templates;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Formatting;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Templates;

/// <summary>Size limits of rendered bodies, URLs and headers, and the update URL's encoding.</summary>
public class PayloadRendererTests
{
    private static readonly string MultiplyingTemplate = "[" + string.Join(",", Enumerable.Repeat("${data}", 1000)) + "]";

    private static WebhookEvent LargeEvent(int bytes) => FormatTestKit.Sample(e => e with
    {
        Data = JsonSerializer.SerializeToElement(new { blob = new string('x', bytes) }),
    });

    [Test]
    public void Render_DataThousandTimesOver250KbEvent_FailsWhileAllocatingUnder4Mb()
    {
        var destination = FormatTestKit.Destination(WebhookFormats.Json) with { BodyTemplate = MultiplyingTemplate };
        var formatter = FormatTestKit.Formatter(WebhookFormats.Json);
        // Warm up (JIT, template parse cache) on a small event.
        PayloadRenderer.Render(formatter, FormatTestKit.Cached(FormatTestKit.Sample()), destination, null, 1024 * 1024);
        var cached = FormatTestKit.Cached(LargeEvent(250 * 1024));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var act = () => PayloadRenderer.Render(formatter, cached, destination, null, 1024 * 1024);
        var error = act.Should().Throw<TemplateRenderException>().Which;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        TestContext.Out.WriteLine($"allocated {allocated} bytes");
        error.Message.Should().Contain("1048576").And.Contain("Safety.MaxRenderedBodyBytes");
        allocated.Should().BeLessThan(4L * 1024 * 1024);
    }

    [Test]
    public void Render_FormatterBodyOverLimit_Throws()
    {
        var formatter = FormatTestKit.Formatter(WebhookFormats.Json);
        var cached = FormatTestKit.Cached(LargeEvent(4000));

        var act = () => PayloadRenderer.Render(formatter, cached, FormatTestKit.Destination(WebhookFormats.Json), null, 2048);

        act.Should().Throw<TemplateRenderException>().WithMessage("*limit is 2048 bytes*");
    }

    [TestCase("a/../../admin", "/api/tickets/a%2F..%2F..%2Fadmin")]
    [TestCase("INC 1?x=1#f", "/api/tickets/INC%201%3Fx%3D1%23f")]
    [TestCase("v1.2", "/api/tickets/v1.2")]
    public void Render_UpdateUrlWithHostileId_IdStaysOneSegment(string id, string expectedPath)
    {
        var payload = PayloadRenderer.Render(FormatTestKit.Formatter(WebhookFormats.Json), FormatTestKit.Cached(FormatTestKit.Sample()), TicketDestination(), id, 1024 * 1024);

        var uri = new Uri(payload.Url!);
        uri.Host.Should().Be("tickets.example.com");
        uri.AbsolutePath.Should().Be(expectedPath);
        uri.PathAndQuery.Should().Be(expectedPath);
    }

    [TestCase("..")]
    [TestCase(".")]
    public void Render_UpdateUrlWithDotSegmentId_Refused(string id)
    {
        var act = () => PayloadRenderer.Render(FormatTestKit.Formatter(WebhookFormats.Json), FormatTestKit.Cached(FormatTestKit.Sample()), TicketDestination(), id, 1024 * 1024);

        act.Should().Throw<TemplateRenderException>().WithMessage("*correlationId*only dots*");
    }

    private static WebhookDestination TicketDestination() => FormatTestKit.Destination(WebhookFormats.Json, url: "https://tickets.example.com/api/tickets") with
    {
        Correlation = new WebhookCorrelationSettings { IdPath = "id", UpdateMethod = "PUT", UpdateUrl = "https://tickets.example.com/api/tickets/${correlationId}" },
    };

    [Test]
    public async Task CreateAsync_TemplateLongerThanLimit_RefusedNamingTheFieldAndLimit()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var definition = WebhookTestHost.Destination(receiver);
        definition.BodyTemplate = "{\"a\":\"" + new string('x', 64 * 1024) + "\"}";

        var act = () => host.Destinations.CreateAsync(definition);

        var error = (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().ContainSingle().Subject;
        error.Field.Should().Be("BodyTemplate");
        error.Message.Should().Contain("65536").And.Contain("Safety.MaxTemplateLength");
    }

    [Test]
    public async Task Delivery_MultiplyingTemplateOverLargeEvent_AttemptFailsWithTheLimitNamed()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(o => o.Safety.MaxPayloadBytes = 512 * 1024);
        var definition = WebhookTestHost.Destination(receiver);
        definition.BodyTemplate = MultiplyingTemplate;
        definition.RetryCount = 0;
        var created = await host.Destinations.CreateAsync(definition);

        var published = await host.Publisher.PublishAsync(new WebhookEvent { Type = "blob.created", Data = LargeEvent(250 * 1024).Data });

        var delivery = await host.WaitForFinalAsync(published.Deliveries[0].DeliveryId);
        delivery.Status.Should().Be(WebhookDeliveryStatus.Failed);
        delivery.LastError.Should().Contain("Safety.MaxRenderedBodyBytes");
        receiver.Requests.Should().BeEmpty();
        created.Id.Should().NotBeEmpty();
    }

    [TestCase("https://${data.instance}/api/tickets/${correlationId}")]
    [TestCase("https://tickets.example.com:${data.port}/api/${correlationId}")]
    [TestCase("${data.scheme}://tickets.example.com/api/${correlationId}")]
    public async Task CreateAsync_UpdateUrlWithTemplatedHost_Refused(string updateUrl)
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var definition = WebhookTestHost.Destination(receiver);
        definition.Correlation = new WebhookCorrelationSettings { IdPath = "id", UpdateMethod = "PUT", UpdateUrl = updateUrl };

        var act = () => host.Destinations.CreateAsync(definition);

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors
            .Should().Contain(e => e.Field == "Correlation.UpdateUrl" && e.Message.Contains("host", StringComparison.Ordinal));
    }
}

using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Internal;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Safety;

/// <summary>One URL redaction for logs, history and exceptions: scheme, host and port stay; path and query go.</summary>
public class RedactionTests
{
    [TestCase("https://hooks.slack.com/services/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", "https://hooks.slack.com/***", "s3cr3tTOKEN")]
    [TestCase("https://discord.com/api/webhooks/123456789012345678/tok-EN_discordSECRET", "https://discord.com/***", "discordSECRET")]
    [TestCase("https://discord.com/api/v10/webhooks/123456789012345678/tok-EN_discordSECRET?wait=true", "https://discord.com/***", "discordSECRET")]
    [TestCase("https://open.feishu.cn/open-apis/bot/v2/hook/0c1d2e3f-feishu-TOKEN", "https://open.feishu.cn/***", "feishu-TOKEN")]
    [TestCase("https://open.larksuite.com/open-apis/bot/v2/hook/0c1d2e3f-lark-TOKEN", "https://open.larksuite.com/***", "lark-TOKEN")]
    [TestCase("https://chat.googleapis.com/v1/spaces/AAAAspace/messages?key=gchatKEY&token=gchatTOKEN", "https://chat.googleapis.com/***", "gchat")]
    [TestCase("https://prod-12.westus.logic.azure.com:443/workflows/0123abcd/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers&sv=1.0&sig=teamsSIG", "https://prod-12.westus.logic.azure.com/***", "teamsSIG")]
    [TestCase("https://user:pa55word@example.com:8443/hook?x=1#frag", "https://example.com:8443/***", "pa55word")]
    [TestCase("syslog+tls://collector.example.com:6514/path", "syslog+tls://collector.example.com:6514/***", "path")]
    public void Url_VendorShape_KeepsSchemeHostPortOnly(string url, string expected, string secret)
    {
        Redaction.Url(url).Should().Be(expected);
        Redaction.Url(new Uri(url)).Should().Be(expected);
        Redaction.Url(url).Should().NotContain(secret);
    }

    [TestCase("https://example.com", "https://example.com/")]
    [TestCase("https://example.com/", "https://example.com/")]
    [TestCase("not a url/with/secret?q=1", "not a url/***")]
    [TestCase("https://host/${data.x}/secret", "https://host/***")]
    public void Url_EdgeShapes_HidePathAndQuery(string url, string expected)
        => Redaction.Url(url).Should().Be(expected);

    [Test]
    public void Error_MessageWithUrlPathAndQuery_AllHidden()
    {
        var url = new Uri("https://hooks.slack.com/services/T0/B0/s3cr3tTOKEN?x=y");
        var message = $"Failed {url.AbsoluteUri}; path {url.AbsolutePath}; query {url.Query}";

        var redacted = Redaction.Error(message, url);

        redacted.Should().NotContain("s3cr3tTOKEN").And.NotContain("x=y").And.Contain("https://hooks.slack.com/***");
    }

    [Test]
    public async Task Delivery_FailingSlackShapedUrl_NoLogLineOrHistoryErrorCarriesThePathToken()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Responder = _ => ReceiverResponse.Status(500, "no");
        await using var host = await WebhookTestHost.StartAsync();
        var destination = await host.Destinations.CreateAsync(new WebhookDestinationDefinition
        {
            Name = "slack",
            Url = receiver.Url("/services/T0/B0/s3cr3tTOKEN").ToString(),
            RetryCount = 1,
        });

        var published = await host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { n = 1 }));
        // First attempt fails and is rescheduled (logged at Information/Warning with the URL).
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await host.DeliveryLog.GetAsync(published.Deliveries[0].DeliveryId)).AttemptCount == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var attempts = await host.DeliveryLog.ListAttemptsAsync(published.Deliveries[0].DeliveryId);
        attempts.Should().NotBeEmpty();
        host.Logs.AllText.Should().Contain(destination.Id).And.Contain("/***").And.NotContain("s3cr3tTOKEN");
        attempts.Should().OnlyContain(a => a.Error == null || !a.Error.Contains("s3cr3tTOKEN"));
    }
}

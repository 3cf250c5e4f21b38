using System.Text.Json;
using FluentAssertions;
using MimeKit;
using NUnit.Framework;
using Webhooks.Sdk.Transports.Tests.Support;

namespace Webhooks.Sdk.Transports.Tests.Email;

public class EmailTransportTests
{
    private static string Unique(string local) => $"{local}-{Guid.NewGuid():N}@example.com";

    private static WebhookDestinationDefinition Destination(Uri server, string to, string? cc = null, string? subject = null, int retries = 3)
    {
        var definition = new WebhookDestinationDefinition
        {
            Name = "mail",
            Url = server.ToString(),
            RetryCount = retries,
            FormatSettings =
            {
                ["from"] = "Alerts <alerts@example.com>",
                ["to"] = to,
                ["caCertificate"] = TestServers.SmtpCaPem,
            },
        };
        if (cc is not null)
        {
            definition.FormatSettings["cc"] = cc;
        }

        if (subject is not null)
        {
            definition.FormatSettings["subject"] = subject;
        }

        return definition;
    }

    /// <summary>Reads the message with this Message-ID back from the server's Maildir.</summary>
    private static MimeMessage ReadBack(string messageId)
    {
        var found = Directory.EnumerateFiles(Path.Combine(TestServers.SmtpMaildir, "new"))
            .Select(path => MimeMessage.Load(path))
            .Where(m => m.MessageId == messageId)
            .ToList();
        found.Should().ContainSingle($"the server stored one message with Message-ID {messageId}");
        return found[0];
    }

    private static WebhookEvent Scan(string? title = "Scan of acme/api finished") => new()
    {
        Type = "scan.completed",
        Title = title,
        Summary = "3 findings, 1 critical.",
        Severity = WebhookSeverity.Critical,
        Data = JsonSerializer.SerializeToElement(new { repository = "acme/api", findings = 3 }),
    };

    [TestCase("smtp", "starttls")]
    [TestCase("smtps", "implicit TLS")]
    public async Task SendAsync_OverTls_MessageIsReadBackFromTheServer(string scheme, string mode)
    {
        var server = scheme == "smtp" ? TestServers.Smtp : TestServers.Smtps;
        await using var host = await TransportTestHost.StartAsync();
        var to = Unique("ops");
        var cc = Unique("audit");
        await host.Destinations.CreateAsync(Destination(server, to, cc, subject: "[${severity}] ${title}"));

        var delivery = await host.PublishAndWaitAsync(Scan() with { Id = "evt_mail_" + scheme });

        delivery.Status.Should().Be(WebhookDeliveryStatus.Succeeded, delivery.LastError);
        var message = ReadBack(delivery.Id + "@webhooks-sdk");
        message.Headers["X-Test-TLS"].Should().Be("yes", mode);
        message.Subject.Should().Be("[critical] Scan of acme/api finished");
        message.From.Mailboxes.Single().Address.Should().Be("alerts@example.com");
        message.To.Mailboxes.Single().Address.Should().Be(to);
        message.Cc.Mailboxes.Single().Address.Should().Be(cc);
        message.Headers["X-Test-Envelope-To"].Should().Contain(to).And.Contain(cc);
        message.Headers["webhook-id"].Should().Be("evt_mail_" + scheme);
        message.TextBody.Should().Contain("Scan of acme/api finished").And.Contain("3 findings, 1 critical.").And.Contain("\"repository\": \"acme/api\"");
        message.HtmlBody.Should().Contain("<h2>Scan of acme/api finished</h2>").And.Contain("&quot;repository&quot;: &quot;acme/api&quot;");
        var attempts = await host.DeliveryLog.ListAttemptsAsync(delivery.Id);
        attempts.Single().ResponseExcerpt.Should().StartWith("250");
    }

    [Test]
    public async Task SendAsync_HostileEventData_IsEscapedAndCannotAddHeadersOrRecipients()
    {
        await using var host = await TransportTestHost.StartAsync();
        var to = Unique("ops");
        await host.Destinations.CreateAsync(Destination(TestServers.Smtp, to, subject: "${title} ${data.name}"));
        var hostile = new WebhookEvent
        {
            Type = "scan.completed",
            Title = "<script>alert(1)</script>",
            Summary = "</p><img src=x onerror=alert(2)>\r\nBcc: victim@example.net",
            Data = JsonSerializer.SerializeToElement(new { name = "x\r\nBcc: victim@example.net\r\n\r\n<b>body</b>", html = "</pre><iframe src=\"https://evil.example\"></iframe>" }),
        };

        var delivery = await host.PublishAndWaitAsync(hostile);

        delivery.Status.Should().Be(WebhookDeliveryStatus.Succeeded, delivery.LastError);
        var message = ReadBack(delivery.Id + "@webhooks-sdk");
        message.Bcc.Count.Should().Be(0);
        message.Headers.Contains("Bcc").Should().BeFalse();
        message.Headers["X-Test-Envelope-To"].Should().Be(to);
        message.Subject.Should().NotContain("\n").And.NotContain("\r").And.StartWith("<script>alert(1)</script> x  Bcc: victim@example.net");
        var html = message.HtmlBody;
        html.Should().NotContain("<script>").And.NotContain("<img").And.NotContain("<iframe").And.Contain("&lt;/pre&gt;&lt;iframe");
        html!.Split("</pre>").Should().HaveCount(2, "the data's own </pre> is escaped, so only the library's closes the block");
        html.Should().Contain("&lt;script&gt;alert(1)&lt;/script&gt;").And.Contain("&lt;img src=x onerror=alert(2)&gt;");
        message.TextBody.Should().Contain("<script>alert(1)</script>");
    }

    [Test]
    public async Task SendAsync_TemporaryFailure_IsRetriedAndThenSucceeds()
    {
        await using var host = await TransportTestHost.StartAsync();
        await host.Destinations.CreateAsync(Destination(TestServers.Smtp, Unique("tempfail")));

        var delivery = await host.PublishAndWaitAsync(Scan());

        delivery.Status.Should().Be(WebhookDeliveryStatus.Succeeded, delivery.LastError);
        delivery.AttemptCount.Should().Be(2);
        var attempts = await host.DeliveryLog.ListAttemptsAsync(delivery.Id);
        attempts[0].Success.Should().BeFalse();
        attempts[0].Error.Should().Contain("SMTP 451").And.Contain("recipient");
        attempts[1].Success.Should().BeTrue();
        ReadBack(delivery.Id + "@webhooks-sdk").Subject.Should().Be("[CRITICAL] Scan of acme/api finished", "the default subject is the headline");
    }

    [Test]
    public async Task SendAsync_PermanentFailure_FailsAtOnceAndCountsTowardAutoDisable()
    {
        await using var host = await TransportTestHost.StartAsync(configure: o => o.Health.DisableAfterConsecutiveFailures = 2);
        var destination = await host.Destinations.CreateAsync(Destination(TestServers.Smtp, Unique("reject"), retries: 5));

        var first = await host.PublishAndWaitAsync(Scan());

        first.Status.Should().Be(WebhookDeliveryStatus.Failed);
        first.AttemptCount.Should().Be(1, "a 5xx reply is not retried");
        first.LastError.Should().Contain("SMTP 550");
        (await host.Destinations.GetAsync(destination.Id)).ConsecutiveFailures.Should().Be(1);
        await host.PublishAndWaitAsync(Scan());
        var disabled = await host.Destinations.GetAsync(destination.Id);
        disabled.Enabled.Should().BeFalse();
        disabled.DisabledReason.Should().Contain("2 consecutive failed attempts");
    }

    [Test]
    public async Task SendAsync_ServerCertificateNotTrusted_FailsTheHandshake()
    {
        await using var host = await TransportTestHost.StartAsync();
        var definition = Destination(TestServers.Smtps, Unique("ops"), retries: 0);
        definition.FormatSettings.Remove("caCertificate");
        await host.Destinations.CreateAsync(definition);

        var delivery = await host.PublishAndWaitAsync(Scan());

        delivery.Status.Should().Be(WebhookDeliveryStatus.Failed);
        delivery.LastError.Should().Contain("TLS handshake failed");
    }

    [Test]
    public async Task CreateAsync_BadAddressesAndEmptySubject_AreRefusedNamingEachField()
    {
        await using var host = await TransportTestHost.StartAsync();
        var act = () => host.Destinations.CreateAsync(new WebhookDestinationDefinition
        {
            Name = "mail",
            Url = "smtp://127.0.0.1:25",
            FormatSettings =
            {
                ["from"] = "not an address",
                ["to"] = "ok@example.com, broken@, also bad",
                ["cc"] = "x@@example.com",
                ["subject"] = "${data.nothing:}",
                ["allowPlainText"] = "maybe",
            },
        });

        var errors = (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors;
        errors.Should().Contain(e => e.Field == "FormatSettings[from]" && e.Message.Contains("not a valid email address"));
        errors.Where(e => e.Field == "FormatSettings[to]").Should().HaveCount(2);
        errors.Should().Contain(e => e.Field == "FormatSettings[cc]");
        errors.Should().Contain(e => e.Field == "FormatSettings[subject]" && e.Message.Contains("renders empty"));
        errors.Should().Contain(e => e.Field == "FormatSettings[allowPlainText]");
    }

    [Test]
    public void Subject_LongTitle_IsCutAtTheLimit()
    {
        var subject = Sdk.Email.EmailMessageBuilder.Subject("${title}", Scan(new string('a', 500)));
        subject.Length.Should().Be(Sdk.Email.EmailMessageBuilder.MaxSubjectLength);
        subject.Should().EndWith("…");
    }
}

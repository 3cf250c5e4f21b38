using System.Net;
using System.Net.Sockets;
using System.Text;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;
using Webhooks.Sdk.Transport;

namespace Webhooks.Sdk.Tests.Transport;

public class SyslogTransportTests
{
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    [Test]
    public void Frame_ReferenceExample_OctetCountIncludesBomAndMultiByteCharacters()
    {
        var message = Encoding.UTF8.GetBytes("<131>1 2026-01-15T10:30:00.123Z host01.example.com acme-sdk 4242 user.login.failed [evt@32473 id=\"evt_01JABC\" sev=\"error\" note=\"a\\\"b\\\\c\\]d\"] ")
            .Concat(Bom).Concat(Encoding.UTF8.GetBytes("Login failed for alice")).ToArray();

        var frame = SyslogTransport.Frame(message);

        Encoding.ASCII.GetString(frame, 0, 4).Should().Be("166 ");
        frame.AsSpan(4).ToArray().Should().Equal(message);
    }

    [Test]
    public void Frame_NonSyslogBody_WrappedInMinimalHeader()
    {
        var frame = SyslogTransport.Frame(Encoding.UTF8.GetBytes("CEF:0|a|b|1|t|ü|3|"));
        Encoding.UTF8.GetString(frame).Should().Be("48 <13>1 - - webhooks-sdk - - - CEF:0|a|b|1|t|ü|3|");
    }

    [Test]
    public async Task Publish_SyslogOverTcp_CollectorReadsOneOctetCountedFrame()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var received = ReadAllAsync(listener);
        await using var host = await WebhookTestHost.StartAsync();
        var destination = new WebhookDestinationDefinition { Name = "siem", Url = $"syslog+tcp://127.0.0.1:{port}", Format = WebhookFormats.Syslog };
        destination.FormatSettings["hostname"] = "host01";

        await host.Destinations.CreateAsync(destination);
        var result = await host.Publisher.PublishAsync(Formatting.FormatTestKit.Sample() with { Id = null });
        var delivery = await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId);

        delivery.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        var bytes = await received;
        var text = Encoding.UTF8.GetString(bytes);
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        var length = int.Parse(text[..space], System.Globalization.CultureInfo.InvariantCulture);
        length.Should().Be(bytes.Length - space - 1, "exactly one frame whose length counts octets");
        text[(space + 1)..].Should().StartWith("<131>1 2026-01-15T10:30:00.123Z host01 webhooks-sdk - user.login.failed [event@32473 id=\"" + result.EventId + "\"");
    }

    [Test]
    public async Task SendAsync_NameResolvingToPrivateAddress_RefusedWithoutConnecting()
    {
        var resolver = new ScriptedDnsResolver().Answer("collector.example.com", "10.0.0.5");
        await using var host = await WebhookTestHost.StartAsync(services: (s, _) => s.AddSingleton<IWebhookDnsResolver>(resolver), start: false);
        var transport = host.Services.GetServices<IWebhookTransport>().OfType<SyslogTransport>().Single();

        var result = await transport.SendAsync(
            new WebhookTransportRequest
            {
                Url = new Uri("syslog+tcp://collector.example.com:514"),
                Payload = new WebhookPayload { Body = Encoding.UTF8.GetBytes("<13>1 - - - - - - x"), ContentType = "text/plain" },
                Destination = Formatting.FormatTestKit.Destination("syslog"),
                Auth = NoWebhookAuth.Instance,
            },
            CancellationToken.None);

        result.Success.Should().BeFalse();
        result.Error.Should().Contain(WebhookUrlRules.DnsPrivate).And.NotContain("10.0.0.5");
    }

    [Test]
    public async Task CreateAsync_LoopbackSyslogUrlWithDevelopmentOptIn_Accepted()
    {
        await using var host = await WebhookTestHost.StartAsync(start: false);
        var saved = await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "siem", Url = "syslog+tls://127.0.0.1:6514", Format = WebhookFormats.Cef });
        saved.Url.Should().Be("syslog+tls://127.0.0.1:6514");
    }

    [Test]
    public async Task Publish_SyslogAndCefToRsyslog_RsyslogParsesHeaderStructuredDataAndMessage()
    {
        await using var rsyslog = await RsyslogServer.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var syslog = new WebhookDestinationDefinition { Name = "syslog", Url = $"syslog+tcp://127.0.0.1:{rsyslog.Port}", Format = WebhookFormats.Syslog, Subscriptions = ["user.*"] };
        syslog.FormatSettings["hostname"] = "host01.example.com";
        syslog.FormatSettings["appName"] = "acme-sdk";
        var cef = new WebhookDestinationDefinition { Name = "cef", Url = $"syslog+tcp://127.0.0.1:{rsyslog.Port}", Format = WebhookFormats.Cef, Subscriptions = ["audit.*"] };
        await host.Destinations.CreateAsync(syslog);
        await host.Destinations.CreateAsync(cef);

        var first = await host.Publisher.PublishAsync(Formatting.FormatTestKit.Sample(e => e with
        {
            Id = "evt_01JABC",
            Title = "Login failed for ålice 😀",
            Data = System.Text.Json.JsonSerializer.SerializeToElement(new { note = "a\"b\\c]d" }),
        }));
        (await host.WaitForFinalAsync(first.Deliveries[0].DeliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        var parsed = (await rsyslog.WaitForMessagesAsync(1))[0];

        parsed.GetProperty("pri").GetString().Should().Be("131");
        parsed.GetProperty("timestamp").GetString().Should().Be("2026-01-15T10:30:00.123Z");
        parsed.GetProperty("hostname").GetString().Should().Be("host01.example.com");
        parsed.GetProperty("appname").GetString().Should().Be("acme-sdk");
        parsed.GetProperty("msgid").GetString().Should().Be("user.login.failed");
        parsed.GetProperty("sd").GetString().Should().Be("[event@32473 id=\"evt_01JABC\" type=\"user.login.failed\" severity=\"error\" source=\"auth-service\"][data@32473 note=\"a\\\"b\\\\c\\]d\"]");
        parsed.GetProperty("msg").GetString()!.TrimStart('\uFEFF').Should().Be("Login failed for ålice 😀: 3 failed attempts; account locked.");

        var second = await host.Publisher.PublishAsync(Formatting.FormatTestKit.Sample(e => e with
        {
            Id = "evt_02",
            Type = "audit.config.changed",
            Title = "Rule a|b changed",
            Summary = "x=1\nC:\\temp",
            Severity = WebhookSeverity.Critical,
            Data = null,
        }));
        (await host.WaitForFinalAsync(second.Deliveries[0].DeliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        var cefParsed = (await rsyslog.WaitForMessagesAsync(2))[1];

        cefParsed.GetProperty("appname").GetString().Should().Be("webhooks-sdk");
        cefParsed.GetProperty("msg").GetString().Should().StartWith("CEF:0|Webhooks.Sdk|Webhooks.Sdk|")
            .And.Contain("|audit.config.changed|Rule a\\|b changed|10|rt=1768473000123 msg=x\\=1\\nC:\\\\temp externalId=evt_02");
    }

    /// <summary>Reads one octet-counted frame (the connection stays open: the transport reuses it).</summary>
    private static async Task<byte[]> ReadAllAsync(TcpListener listener)
    {
        using var client = await listener.AcceptTcpClientAsync();
        return await SyslogCollector.ReadFrameAsync(client.GetStream(), CancellationToken.None) ?? [];
    }

    [TestCase("syslog+tcp://collector.example.com:514")]
    [TestCase("syslog+tcp://93.184.216.34:514")]
    public async Task CreateAsync_PlainTcpToNonLoopbackWithoutOptIn_RefusedNamingTheRule(string url)
    {
        var resolver = new ScriptedDnsResolver().Answer("collector.example.com", "93.184.216.34");
        await using var host = await WebhookTestHost.StartAsync(services: (s, _) => s.AddSingleton<IWebhookDnsResolver>(resolver), start: false);

        var act = () => host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "siem", Url = url, Format = WebhookFormats.Syslog });

        var error = (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().ContainSingle().Subject;
        error.Field.Should().Be("Url");
        error.Message.Should().Contain(WebhookUrlRules.PlaintextTransport).And.Contain("plaintext=allow");
    }

    [Test]
    public async Task CreateAsync_PlainTcpToNonLoopbackWithOptIn_AcceptedAndShownWhenRead()
    {
        var resolver = new ScriptedDnsResolver().Answer("collector.example.com", "93.184.216.34");
        await using var host = await WebhookTestHost.StartAsync(services: (s, _) => s.AddSingleton<IWebhookDnsResolver>(resolver), start: false);

        var saved = await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "siem", Url = "syslog+tcp://collector.example.com:514?plaintext=allow", Format = WebhookFormats.Syslog });

        (await host.Destinations.GetAsync(saved.Id)).Url.Should().EndWith("?plaintext=allow");
    }

    [TestCase("127.0.0.1", true)]
    [TestCase("0x7f.1", true)]
    [TestCase("[::1]", true)]
    [TestCase("localhost", true)]
    [TestCase("collector.example.com", false)]
    [TestCase("10.0.0.5", false)]
    public void IsLoopbackHost_Examples(string host, bool loopback) => SyslogTransport.IsLoopbackHost(host).Should().Be(loopback);

    [TestCase("syslog+tcp://c.example.com:514?plaintext=allow", true)]
    [TestCase("syslog+tcp://c.example.com:514?x=1&PLAINTEXT=ALLOW", true)]
    [TestCase("syslog+tcp://c.example.com:514?plaintext=yes", false)]
    [TestCase("syslog+tcp://c.example.com:514", false)]
    public void AllowsPlaintext_Examples(string url, bool allowed) => SyslogTransport.AllowsPlaintext(new Uri(url)).Should().Be(allowed);

}

public class SyslogTlsTests
{
    private static async Task<WebhookTestHost> StartHostAsync(Action<WebhooksOptions>? configure = null)
    {
        var dns = new ScriptedDnsResolver().Answer(SyslogCollector.HostName, "127.0.0.1");
        return await WebhookTestHost.StartAsync(configure, services: (s, _) => s.AddSingleton<IWebhookDnsResolver>(dns));
    }

    private static WebhookDestinationDefinition Collector(SyslogCollector collector, System.Security.Cryptography.X509Certificates.X509Certificate2 client) => new()
    {
        Name = "siem",
        Url = $"syslog+tls://{SyslogCollector.HostName}:{collector.Port}",
        Format = WebhookFormats.Syslog,
        Auth = new MutualTlsWebhookAuth
        {
            CertificatePem = Auth.TestCertificates.CertificatePem(client),
            PrivateKeyPem = Auth.TestCertificates.PrivateKeyPem(client),
            TrustedServerCertificateAuthorityPem = collector.AuthorityPem,
        },
    };

    [Test]
    public async Task Publish_TlsCollectorRequiringAClientCertificateSignedByAPrivateCa_EveryFrameArrivesOverOneReusedConnection()
    {
        await using var collector = SyslogCollector.Start(requireClientCertificate: true);
        using var client = Auth.TestCertificates.Client("siem-client");
        await using var host = await StartHostAsync();
        await host.Destinations.CreateAsync(Collector(collector, client));

        for (var i = 0; i < 3; i++)
        {
            var result = await host.Publisher.PublishAsync(WebhookEvent.Create("audit.login", new { i }));
            (await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        }

        await collector.WaitForMessagesAsync(3);
        collector.Messages.Should().OnlyContain(m => m.StartsWith('<') && m.Contains("audit.login", StringComparison.Ordinal));
        collector.Connections.Should().Be(1, "the TLS connection stays open and the next attempts reuse it");
        collector.ClientSubjects.Should().Equal(["CN=siem-client"], "the destination's client certificate is presented");
        host.Services.GetServices<IWebhookTransport>().OfType<SyslogTransport>().Single().OpenedCount.Should().Be(1);
    }

    [Test]
    public async Task Publish_CollectorClosedTheIdleConnection_TheNextAttemptReconnectsAndSucceeds()
    {
        await using var collector = SyslogCollector.Start(requireClientCertificate: true);
        using var client = Auth.TestCertificates.Client("siem-client");
        await using var host = await StartHostAsync();
        await host.Destinations.CreateAsync(Collector(collector, client));
        var first = await host.Publisher.PublishAsync(WebhookEvent.Create("audit.login", new { n = 1 }));
        (await host.WaitForFinalAsync(first.Deliveries[0].DeliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        await collector.WaitForMessagesAsync(1);

        collector.DropConnections();
        await Task.Delay(100);
        var second = await host.Publisher.PublishAsync(WebhookEvent.Create("audit.login", new { n = 2 }));

        var delivery = await host.WaitForFinalAsync(second.Deliveries[0].DeliveryId);
        delivery.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        delivery.AttemptCount.Should().Be(1);
        await collector.WaitForMessagesAsync(2);
        collector.Connections.Should().Be(2);
    }

    [Test]
    public async Task Publish_WithoutTheDestinationsCa_HandshakeFailsNamingTls()
    {
        await using var collector = SyslogCollector.Start();
        using var client = Auth.TestCertificates.Client("siem-client");
        await using var host = await StartHostAsync();
        var definition = Collector(collector, client);
        ((MutualTlsWebhookAuth)definition.Auth!).TrustedServerCertificateAuthorityPem = null;
        definition.RetryCount = 0;
        await host.Destinations.CreateAsync(definition);

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("audit.login", new { n = 1 }));

        var delivery = await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId);
        delivery.Status.Should().Be(WebhookDeliveryStatus.Failed);
        delivery.LastError.Should().StartWith("Syslog TLS handshake failed");
        collector.Messages.Should().BeEmpty();
    }

    [Test]
    public async Task Publish_EgressProxyConfigured_SyslogGoesThroughAConnectTunnelToTheJudgedAddress()
    {
        await using var collector = SyslogCollector.Start();
        await using var proxy = Safety.LoopbackConnectProxy.Start();
        using var client = Auth.TestCertificates.Client("siem-client");
        await using var host = await StartHostAsync(o => o.Safety.Proxy = proxy.Url);
        await host.Destinations.CreateAsync(Collector(collector, client));

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("audit.login", new { n = 1 }));

        (await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        await collector.WaitForMessagesAsync(1);
        proxy.Requests.Should().ContainSingle().Which.Should().StartWith($"CONNECT 127.0.0.1:{collector.Port} HTTP/1.1");
    }

    [Test]
    public async Task SendAsync_TlsCollectorWithUntrustedCertificate_HandshakeRefused()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=127.0.0.1", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        var san = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(created.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx), null);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            await using var ssl = new System.Net.Security.SslStream(client.GetStream());
            try
            {
                await ssl.AuthenticateAsServerAsync(certificate);
                return true;
            }
            catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException)
            {
                return false;
            }
        });
        await using var host = await WebhookTestHost.StartAsync(start: false);
        var transport = host.Services.GetServices<IWebhookTransport>().OfType<SyslogTransport>().Single();

        var result = await transport.SendAsync(
            new WebhookTransportRequest
            {
                Url = new Uri($"syslog+tls://127.0.0.1:{port}"),
                Payload = new WebhookPayload { Body = Encoding.UTF8.GetBytes("<13>1 - - - - - - x"), ContentType = "text/plain" },
                Destination = Formatting.FormatTestKit.Destination("syslog"),
                Auth = NoWebhookAuth.Instance,
            },
            CancellationToken.None);

        result.Success.Should().BeFalse();
        result.Error.Should().StartWith("Syslog TLS handshake failed");
        await server;
    }
}

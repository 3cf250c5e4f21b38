using System.Security.Cryptography.X509Certificates;
using FluentAssertions;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Auth;

public class MutualTlsWebhookAuthTests
{
    private static X509Certificate2 _server = null!;

    [OneTimeSetUp]
    public void CreateServerCertificate() => _server = TestCertificates.Server();

    [OneTimeTearDown]
    public void DisposeServerCertificate() => _server.Dispose();

    [Test]
    public async Task PublishAsync_PemClientCertificate_ReceiverRequiringCertificateGetsIt()
    {
        using var client = TestCertificates.Client("webhooks-client-a");
        await using var receiver = await StartHttpsReceiverAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var definition = WebhookTestHost.Destination(receiver);
        definition.Auth = new MutualTlsWebhookAuth
        {
            CertificatePem = TestCertificates.CertificatePem(client),
            PrivateKeyPem = TestCertificates.PrivateKeyPem(client),
            TrustedServerCertificateAuthorityPem = _server.ExportCertificatePem(),
        };
        await host.Destinations.CreateAsync(definition);

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));

        var delivery = await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId);
        delivery.Status.Should().Be(WebhookDeliveryStatus.Succeeded, delivery.LastError);
        receiver.Requests.Should().ContainSingle().Which.ClientCertificate!.Thumbprint.Should().Be(client.Thumbprint);
    }

    [Test]
    public async Task TestAsync_TwoDestinationsWithDifferentCertificates_EachPresentsItsOwn()
    {
        using var clientA = TestCertificates.Client("client-a");
        using var clientB = TestCertificates.Client("client-b");
        await using var receiver = await StartHttpsReceiverAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var a = await host.Destinations.CreateAsync(new WebhookDestinationDefinition
        {
            Name = "a",
            Url = receiver.Url("/a").ToString(),
            Auth = new MutualTlsWebhookAuth { Pfx = TestCertificates.PfxBase64(clientA, "pfx-pass"), Password = "pfx-pass", TrustedServerCertificateAuthorityPem = _server.ExportCertificatePem() },
        });
        var b = await host.Destinations.CreateAsync(new WebhookDestinationDefinition
        {
            Name = "b",
            Url = receiver.Url("/b").ToString(),
            Auth = new MutualTlsWebhookAuth { CertificatePem = TestCertificates.CertificatePem(clientB) + "\n" + TestCertificates.PrivateKeyPem(clientB), TrustedServerCertificateAuthorityPem = _server.ExportCertificatePem() },
        });

        for (var i = 0; i < 2; i++)
        {
            (await host.Destinations.TestAsync(a.Id)).Success.Should().BeTrue();
            (await host.Destinations.TestAsync(b.Id)).Success.Should().BeTrue();
        }

        receiver.RequestsTo("/a").Should().HaveCount(2).And.OnlyContain(r => r.ClientCertificate!.Thumbprint == clientA.Thumbprint);
        receiver.RequestsTo("/b").Should().HaveCount(2).And.OnlyContain(r => r.ClientCertificate!.Thumbprint == clientB.Thumbprint);
        receiver.ConnectionCount.Should().Be(2, "each certificate has its own pool, reused across sends");
    }

    [Test]
    public async Task TestAsync_ServerCaNotTrusted_FailsTls()
    {
        using var client = TestCertificates.Client("client-untrusting");
        await using var receiver = await StartHttpsReceiverAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var destination = await host.Destinations.CreateAsync(new WebhookDestinationDefinition
        {
            Name = "untrusted",
            Url = receiver.Url().ToString(),
            Auth = new MutualTlsWebhookAuth { CertificatePem = TestCertificates.CertificatePem(client), PrivateKeyPem = TestCertificates.PrivateKeyPem(client) },
        });

        var result = await host.Destinations.TestAsync(destination.Id);

        result.Success.Should().BeFalse();
        result.Reached.Should().BeFalse();
        receiver.Requests.Should().BeEmpty();
    }

    [Test]
    public async Task CreateAsync_UnreadableCertificate_RefusedNamingTheField()
    {
        await using var host = await WebhookTestHost.StartAsync();
        var definition = new WebhookDestinationDefinition
        {
            Name = "x",
            Url = "http://127.0.0.1:9/hook",
            Auth = new MutualTlsWebhookAuth { CertificatePem = "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----", PrivateKeyPem = "nope" },
        };

        var act = () => host.Destinations.CreateAsync(definition);

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().ContainSingle(e => e.Field == "Auth.CertificatePem");
    }

    [Test]
    public async Task CreateAsync_PfxWithWrongPassword_RefusedNamingTheField()
    {
        using var client = TestCertificates.Client("client-pfx");
        await using var host = await WebhookTestHost.StartAsync();
        var definition = new WebhookDestinationDefinition
        {
            Name = "x",
            Url = "http://127.0.0.1:9/hook",
            Auth = new MutualTlsWebhookAuth { Pfx = TestCertificates.PfxBase64(client, "right"), Password = "wrong" },
        };

        var act = () => host.Destinations.CreateAsync(definition);

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().ContainSingle(e => e.Field == "Auth.Pfx");
    }

    private static Task<LocalWebhookReceiver> StartHttpsReceiverAsync()
        => LocalWebhookReceiver.StartAsync(new LocalWebhookReceiverOptions { ServerCertificate = _server, ClientCertificateMode = ClientCertificateMode.RequireCertificate });
}

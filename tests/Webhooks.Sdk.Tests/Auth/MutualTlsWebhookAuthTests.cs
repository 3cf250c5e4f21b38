using System.Security.Cryptography.X509Certificates;
using FluentAssertions;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Storage;
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

    [Test]
    public async Task ClientCertificate_DestinationUpdatedDeletedOrIdle_DisposedWithItsState()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var client = TestCertificates.Client("client-churn");
        await using var receiver = await StartHttpsReceiverAsync();
        await using var host = await WebhookTestHost.StartAsync(o => o.Dispatcher.DestinationIdleTimeout = TimeSpan.FromMinutes(1), time: time);
        var mapper = host.Services.GetRequiredService<DestinationMapper>();
        var store = host.Services.GetRequiredService<IWebhookStore>();
        var ids = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            var definition = WebhookTestHost.Destination(receiver, "/d" + i, "d" + i);
            definition.Auth = new MutualTlsWebhookAuth { Pfx = TestCertificates.PfxBase64(client, null), TrustedServerCertificateAuthorityPem = _server.ExportCertificatePem() };
            ids.Add((await host.Destinations.CreateAsync(definition)).Id);
        }

        async Task<DestinationState> UsedStateAsync(string id)
        {
            (await host.Destinations.TestAsync(id)).Success.Should().BeTrue();
            return mapper.GetState((await store.GetDestinationAsync(WebhookTenant.Default, id, CancellationToken.None))!);
        }

        var states = new List<DestinationState>();
        foreach (var id in ids)
        {
            states.Add(await UsedStateAsync(id));
        }

        states.Should().OnlyContain(s => s.HoldsClientCertificate, "each destination's state loaded its certificate once it sent");
        (await UsedStateAsync(ids[0])).Should().BeSameAs(states[0], "a second send reuses the state and its certificate");

        // A change makes a new version: the old state's certificate and pool go, the new state loads its own.
        await host.Destinations.UpdateAsync(ids[0], new WebhookDestinationUpdate { Name = "renamed" });
        var renamed = await UsedStateAsync(ids[0]);
        renamed.Should().NotBeSameAs(states[0]);
        states[0].HoldsClientCertificate.Should().BeFalse("the replaced version's certificate is disposed");
        renamed.HoldsClientCertificate.Should().BeTrue();

        // A delete drops the state with its certificate.
        await host.Destinations.DeleteAsync(ids[1]);
        states[1].HoldsClientCertificate.Should().BeFalse();

        // Idle for longer than the timeout: every state is evicted and its certificate disposed.
        time.Advance(TimeSpan.FromMinutes(3));
        mapper.StateCount.Should().Be(0);
        states.Should().OnlyContain(s => !s.HoldsClientCertificate && s.Retired);
        renamed.HoldsClientCertificate.Should().BeFalse();
        host.Services.GetRequiredService<Webhooks.Sdk.Auth.ClientCertificates>().LoadedCount.Should().Be(0, "no certificate or client name is kept for a dropped state");

        // And a destination comes back with a fresh certificate when it is used again.
        (await UsedStateAsync(ids[2])).HoldsClientCertificate.Should().BeTrue();
        receiver.Requests.Should().OnlyContain(r => r.ClientCertificate!.Thumbprint == client.Thumbprint);
    }

    [Test]
    public async Task TestDraftAsync_ClientCertificate_LoadedForTheCallOnlyAndNoStateKept()
    {
        using var client = TestCertificates.Client("client-draft");
        await using var receiver = await StartHttpsReceiverAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var mapper = host.Services.GetRequiredService<DestinationMapper>();
        var definition = WebhookTestHost.Destination(receiver);
        definition.Auth = new MutualTlsWebhookAuth { CertificatePem = TestCertificates.CertificatePem(client), PrivateKeyPem = TestCertificates.PrivateKeyPem(client), TrustedServerCertificateAuthorityPem = _server.ExportCertificatePem() };

        for (var i = 0; i < 3; i++)
        {
            (await host.Destinations.TestDraftAsync(definition)).Success.Should().BeTrue();
        }

        mapper.StateCount.Should().Be(0, "a draft has no state: its certificate is disposed after the call");
        host.Services.GetRequiredService<Webhooks.Sdk.Auth.ClientCertificates>().LoadedCount.Should().Be(0);
        receiver.Requests.Should().HaveCount(3).And.OnlyContain(r => r.ClientCertificate!.Thumbprint == client.Thumbprint);
    }

    private static Task<LocalWebhookReceiver> StartHttpsReceiverAsync()
        => LocalWebhookReceiver.StartAsync(new LocalWebhookReceiverOptions { ServerCertificate = _server, ClientCertificateMode = ClientCertificateMode.RequireCertificate });
}

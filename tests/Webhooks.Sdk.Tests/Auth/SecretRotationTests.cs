using Microsoft.Extensions.Time.Testing;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Diagnostics;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Auth;

public class SecretRotationTests
{
    [Test]
    public async Task RotateSecretAsync_DuringOverlap_BothSignaturesVerifyAndAfterItOnlyTheNewOne()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var oldSecret = HmacSignatureWebhookAuth.GenerateSecret();
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(time: time);
        var definition = WebhookTestHost.Destination(receiver);
        definition.Auth = HmacSignatureWebhookAuth.StandardWebhooks(oldSecret);
        var destination = await host.Destinations.CreateAsync(definition);

        var rotation = await host.Destinations.RotateSecretAsync(destination.Id);
        await host.Destinations.TestAsync(destination.Id);
        time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        await host.Destinations.TestAsync(destination.Id);
        time.Advance(TimeSpan.FromSeconds(2));
        await host.Destinations.TestAsync(destination.Id);

        rotation.NewSecret.Should().StartWith("whsec_").And.NotBe(oldSecret);
        Convert.FromBase64String(rotation.NewSecret["whsec_".Length..]).Should().HaveCount(32);
        rotation.PreviousSecretExpiresAt.Should().Be(time.GetUtcNow() - TimeSpan.FromSeconds(1), "the default overlap is 24 h");
        var requests = receiver.Requests;
        requests.Should().HaveCount(3);
        var oldVerifier = new StandardWebhooksVerifier([oldSecret], time, TimeSpan.FromDays(2));
        var newVerifier = new StandardWebhooksVerifier([rotation.NewSecret], time, TimeSpan.FromDays(2));
        foreach (var during in requests.Take(2))
        {
            during.Header("webhook-signature")!.Split(' ').Should().HaveCount(2);
            oldVerifier.TryVerify(during.Header, during.Body, out _).Should().BeTrue();
            newVerifier.TryVerify(during.Header, during.Body, out _).Should().BeTrue();
        }

        var after = requests[2];
        after.Header("webhook-signature")!.Split(' ').Should().ContainSingle();
        newVerifier.TryVerify(after.Header, after.Body, out _).Should().BeTrue();
        oldVerifier.TryVerify(after.Header, after.Body, out var failure).Should().BeFalse();
        failure.Should().Be(WebhookVerificationFailure.SignatureMismatch);
    }

    [Test]
    public async Task RotateSecretAsync_StripePreset_SendsOneV1PerLiveSecret()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(time: time);
        var definition = WebhookTestHost.Destination(receiver);
        definition.Auth = HmacSignatureWebhookAuth.Stripe("stripe-style-secret-1");
        var destination = await host.Destinations.CreateAsync(definition);

        var rotation = await host.Destinations.RotateSecretAsync(destination.Id, "stripe-style-secret-2", TimeSpan.FromHours(1));
        await host.Destinations.TestAsync(destination.Id);

        var request = receiver.Requests.Should().ContainSingle().Subject;
        request.Header("Stripe-Signature")!.Split(',').Count(p => p.StartsWith("v1=", StringComparison.Ordinal)).Should().Be(2);
        new StripeSignatureVerifier(["stripe-style-secret-1"], time).TryVerify(request.Header, request.Body, out _).Should().BeTrue();
        new StripeSignatureVerifier([rotation.NewSecret], time).TryVerify(request.Header, request.Body, out _).Should().BeTrue();
    }

    [TestCase(0)]
    [TestCase(60)]
    public async Task RotateSecretAsync_ManyTimes_KeepsTheNewestMaxPreviousSecretsAndSignsWithThem(int secondsBetweenRotations)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(time: time);
        var first = HmacSignatureWebhookAuth.GenerateSecret();
        var destination = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver).With(d => d.Auth = HmacSignatureWebhookAuth.StandardWebhooks(first)));

        var secrets = new List<string> { first };
        WebhookSecretRotation last = null!;
        for (var i = 0; i < HmacSignatureWebhookAuth.MaxPreviousSecrets + 3; i++)
        {
            time.Advance(TimeSpan.FromSeconds(secondsBetweenRotations));
            last = await host.Destinations.RotateSecretAsync(destination.Id);
            secrets.Add(last.NewSecret);
        }

        await host.Destinations.TestAsync(destination.Id);

        last.Destination.Auth.SecretHints.Keys.Count(k => k.StartsWith("PreviousSecrets", StringComparison.Ordinal)).Should().Be(HmacSignatureWebhookAuth.MaxPreviousSecrets);
        var request = receiver.Requests.Should().ContainSingle().Subject;
        request.Header("webhook-signature")!.Split(' ').Should().HaveCount(1 + HmacSignatureWebhookAuth.MaxPreviousSecrets);
        var verified = secrets.Select(s => new StandardWebhooksVerifier([s], time, TimeSpan.FromDays(2)).TryVerify(request.Header, request.Body, out _)).ToList();
        verified.Should().Equal(secrets.Select((_, i) => i >= secrets.Count - 1 - HmacSignatureWebhookAuth.MaxPreviousSecrets), "the new secret and the newest previous ones sign, older ones were dropped first");
    }

    [Test]
    public async Task RotateSecretAsync_DestinationWithoutSigning_Throws()
    {
        await using var host = await WebhookTestHost.StartAsync();
        var destination = await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "x", Url = "http://127.0.0.1:9/hook", Auth = new BearerTokenWebhookAuth { Token = "abc" } });

        var act = () => host.Destinations.RotateSecretAsync(destination.Id);

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*only HMAC signing secrets rotate*");
    }

    [Test]
    public async Task RotateSecretAsync_BadNewSecret_RefusedWithoutEchoingIt()
    {
        await using var host = await WebhookTestHost.StartAsync();
        var destination = await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "x", Url = "http://127.0.0.1:9/hook", Auth = HmacSignatureWebhookAuth.StandardWebhooks(HmacSignatureWebhookAuth.GenerateSecret()) });

        var act = () => host.Destinations.RotateSecretAsync(destination.Id, "whsec_dG9vc2hvcnQ=");

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Message.Should().Contain("Secret").And.NotContain("dG9vc2hvcnQ");
    }
}

using System.Text;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Auth;

public class BasicWebhookAuthTests
{
    [Test]
    public async Task PublishAsync_BasicAuth_ReceiverGetsBasicCredentials()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var definition = WebhookTestHost.Destination(receiver);
        definition.Auth = new BasicWebhookAuth { Username = "svc-user", Password = "p@ss:w0rd-ü" };
        await host.Destinations.CreateAsync(definition);

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));

        (await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        var header = receiver.Requests.Should().ContainSingle().Subject.Header("Authorization");
        header.Should().Be("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("svc-user:p@ss:w0rd-ü")));
    }

    [Test]
    public async Task CreateAsync_UsernameWithColon_RefusedNamingTheField()
    {
        await using var host = await WebhookTestHost.StartAsync();
        var definition = new WebhookDestinationDefinition { Name = "x", Url = "http://127.0.0.1:9/hook", Auth = new BasicWebhookAuth { Username = "a:b", Password = "secret" } };

        var act = () => host.Destinations.CreateAsync(definition);

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().ContainSingle(e => e.Field == "Auth.Username");
    }
}

public class BearerTokenWebhookAuthTests
{
    [Test]
    public async Task PublishAsync_BearerToken_ReceiverGetsBearerHeader()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var definition = WebhookTestHost.Destination(receiver);
        definition.Auth = new BearerTokenWebhookAuth { Token = "tok_live_abcdef123456" };
        await host.Destinations.CreateAsync(definition);

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));

        (await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        receiver.Requests.Should().ContainSingle().Which.Header("Authorization").Should().Be("Bearer tok_live_abcdef123456");
    }

    [Test]
    public async Task UpdateAsync_WithoutToken_KeepsSavedTokenAndWithTokenReplacesIt()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var definition = WebhookTestHost.Destination(receiver);
        definition.Auth = new BearerTokenWebhookAuth { Token = "first-token-value" };
        var created = await host.Destinations.CreateAsync(definition);

        await host.Destinations.UpdateAsync(created.Id, new WebhookDestinationUpdate { Name = "renamed", Auth = new BearerTokenWebhookAuth() });
        await host.Destinations.TestAsync(created.Id);
        await host.Destinations.UpdateAsync(created.Id, new WebhookDestinationUpdate { Auth = new BearerTokenWebhookAuth { Token = "second-token-value" } });
        await host.Destinations.TestAsync(created.Id);

        receiver.Requests.Select(r => r.Header("Authorization")).Should().Equal("Bearer first-token-value", "Bearer second-token-value");
    }
}

public class StaticHeadersWebhookAuthTests
{
    [Test]
    public async Task PublishAsync_StaticHeaders_ReceiverGetsEveryHeader()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var definition = WebhookTestHost.Destination(receiver);
        definition.Auth = new StaticHeadersWebhookAuth { Headers = new Dictionary<string, string> { ["X-Api-Key"] = "key-123456789", ["X-Tenant-Token"] = "tt-987654321" } };
        await host.Destinations.CreateAsync(definition);

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));

        (await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        var request = receiver.Requests.Should().ContainSingle().Subject;
        request.Header("X-Api-Key").Should().Be("key-123456789");
        request.Header("X-Tenant-Token").Should().Be("tt-987654321");
    }

    [TestCase("Content-Type", "x")]
    [TestCase("webhook-id", "x")]
    [TestCase("webhook-signature", "x")]
    [TestCase("X-Hub-Signature-256", "x")]
    [TestCase("Host", "x")]
    [TestCase("Bad Name", "x")]
    [TestCase("X-Api-Key", "line\r\nInjected: yes")]
    [TestCase("X-Api-Key", "")]
    public async Task CreateAsync_BadStaticHeader_RefusedNamingTheHeader(string name, string value)
    {
        await using var host = await WebhookTestHost.StartAsync();
        var definition = new WebhookDestinationDefinition { Name = "x", Url = "http://127.0.0.1:9/hook", Auth = new StaticHeadersWebhookAuth { Headers = new Dictionary<string, string> { [name] = value } } };

        var act = () => host.Destinations.CreateAsync(definition);

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().Contain(e => e.Field == $"Auth.Headers[{name}]")
            .And.NotContain(e => e.Message.Contains("Injected", StringComparison.Ordinal));
    }

    [Test]
    public async Task CreateAsync_HeaderNamesDifferingOnlyInCase_Refused()
    {
        await using var host = await WebhookTestHost.StartAsync();
        var definition = new WebhookDestinationDefinition
        {
            Name = "x",
            Url = "http://127.0.0.1:9/hook",
            Auth = new StaticHeadersWebhookAuth { Headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["X-Key"] = "a", ["x-key"] = "b" } },
        };

        var act = () => host.Destinations.CreateAsync(definition);

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().Contain(e => e.Message.Contains("duplicated", StringComparison.Ordinal));
    }
}

public class SharedSecretHeaderWebhookAuthTests
{
    [Test]
    public async Task PublishAsync_SharedSecretHeader_ReceiverGetsSecretAsIs()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var definition = WebhookTestHost.Destination(receiver);
        definition.Auth = new SharedSecretHeaderWebhookAuth { HeaderName = "X-Gitlab-Token", Secret = "shared-secret-42" };
        await host.Destinations.CreateAsync(definition);

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));

        (await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        receiver.Requests.Should().ContainSingle().Which.Header("X-Gitlab-Token").Should().Be("shared-secret-42");
    }
}

public class HmacSignatureWebhookAuthTests
{
    [Test]
    public async Task PublishAsync_StandardWebhooks_ReceiverVerifiesWithVerifier()
    {
        var secret = HmacSignatureWebhookAuth.GenerateSecret();
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var definition = WebhookTestHost.Destination(receiver);
        definition.Auth = HmacSignatureWebhookAuth.StandardWebhooks(secret);
        await host.Destinations.CreateAsync(definition);

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));

        (await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        var request = receiver.Requests.Should().ContainSingle().Subject;
        request.Header("webhook-signature").Should().StartWith("v1,");
        new StandardWebhooksVerifier(secret).Invoking(v => v.Verify(request.Header, request.Body)).Should().NotThrow();
    }

    [TestCase(WebhookSignaturePreset.GitHub, "X-Hub-Signature-256")]
    [TestCase(WebhookSignaturePreset.Stripe, "Stripe-Signature")]
    public async Task PublishAsync_MigrationPreset_ReceiverVerifiesWithPresetVerifier(WebhookSignaturePreset preset, string header)
    {
        const string secret = "migrated-secret-text-123";
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var definition = WebhookTestHost.Destination(receiver);
        definition.Auth = new HmacSignatureWebhookAuth { Preset = preset, Secret = secret };
        await host.Destinations.CreateAsync(definition);

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));

        (await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        var request = receiver.Requests.Should().ContainSingle().Subject;
        request.Header(header).Should().NotBeNullOrEmpty();
        WebhookSignatureVerifier verifier = preset == WebhookSignaturePreset.GitHub ? new GitHubSignatureVerifier(secret) : new StripeSignatureVerifier(secret);
        verifier.Invoking(v => v.Verify(request.Header, request.Body)).Should().NotThrow();
    }

    [TestCase("whsec_c2hvcnQ=", "24 to 64 bytes")]
    [TestCase("whsec_not*base64*at*all", "not valid base64")]
    [TestCase("sk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "must start with 'whsec_'")]
    [TestCase("", "is required")]
    public async Task CreateAsync_BadStandardSecret_RefusedNamingTheField(string secret, string expected)
    {
        await using var host = await WebhookTestHost.StartAsync();
        var definition = new WebhookDestinationDefinition { Name = "x", Url = "http://127.0.0.1:9/hook", Auth = HmacSignatureWebhookAuth.StandardWebhooks(secret) };

        var act = () => host.Destinations.CreateAsync(definition);

        var error = (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().ContainSingle().Subject;
        error.Field.Should().Be("Auth.Secret");
        error.Message.Should().Contain(expected);
        if (secret.Length > 0)
        {
            error.Message.Should().NotContain(secret);
        }
    }

    [Test]
    public async Task CreateAsync_ShortTextSecretForGitHub_Refused()
    {
        await using var host = await WebhookTestHost.StartAsync();
        var definition = new WebhookDestinationDefinition { Name = "x", Url = "http://127.0.0.1:9/hook", Auth = HmacSignatureWebhookAuth.GitHub("short") };

        var act = () => host.Destinations.CreateAsync(definition);

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().ContainSingle(e => e.Field == "Auth.Secret");
    }
}

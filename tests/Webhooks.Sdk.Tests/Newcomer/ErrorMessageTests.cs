using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Newcomer;

/// <summary>Errors a newcomer meets name the fix: the development opt-ins, the destination in configuration, the valid values.</summary>
public class ErrorMessageTests
{
    [TestCase("http://127.0.0.1:8080/hook")]
    [TestCase("https://127.0.0.1/hook")]
    [TestCase("https://localhost/hook")]
    [TestCase("https://[::1]/hook")]
    public async Task EvaluateAsync_LoopbackWithoutOptIn_NamesTheOptInInCodeAndConfiguration(string url)
    {
        await using var host = await WebhookTestHost.StartAsync(o => o.Safety = new WebhookSafetyOptions());

        var verdict = await host.Services.GetRequiredService<IWebhookUrlPolicy>().EvaluateAsync(new Uri(url), CancellationToken.None);

        verdict.Allowed.Should().BeFalse();
        verdict.Reason.Should().Contain("Safety.DangerouslyAllowLoopbackForDevelopment()").And.Contain("Webhooks:Safety:AllowLoopbackForDevelopment = true");
    }

    [TestCase("https://10.1.2.3/hook")]
    [TestCase("https://192.168.1.20/hook")]
    public async Task EvaluateAsync_PrivateAddressWithoutOptIn_NamesThePrivateNetworkOptIn(string url)
    {
        await using var host = await WebhookTestHost.StartAsync(o => o.Safety = new WebhookSafetyOptions());

        var verdict = await host.Services.GetRequiredService<IWebhookUrlPolicy>().EvaluateAsync(new Uri(url), CancellationToken.None);

        verdict.Reason.Should().Contain("Safety.DangerouslyAllowPrivateNetworksForDevelopment()").And.Contain("Webhooks:Safety:AllowPrivateNetworksForDevelopment = true");
    }

    [Test]
    public async Task CreateAsync_LoopbackOptInFromConfiguration_AllowsALocalReceiverAndWarns()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var (host, logs) = ConfiguredHost.Build(new Dictionary<string, string?> { ["Webhooks:Safety:AllowLoopbackForDevelopment"] = "true" });
        using (host)
        {
            await host.StartAsync();
            var destinations = host.Services.GetRequiredService<IWebhookDestinationManager>();

            var created = await destinations.CreateAsync(new WebhookDestinationDefinition { Name = "local", Url = receiver.Url("/hook").ToString() });

            (await destinations.TestAsync(created.Id)).Success.Should().BeTrue();
            logs.Lines.Should().Contain(l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("Safety.AllowLoopbackForDevelopment", StringComparison.Ordinal));
            await host.StopAsync();
        }
    }

    [Test]
    public async Task StartAsync_ConfiguredDestinationInvalid_ErrorNamesItsPositionAndId()
    {
        var (host, _) = ConfiguredHost.Build(new Dictionary<string, string?>
        {
            ["Webhooks:Safety:AllowLoopbackForDevelopment"] = "true",
            ["Webhooks:Destinations:0:Id"] = "ok1",
            ["Webhooks:Destinations:0:Name"] = "fine",
            ["Webhooks:Destinations:0:Url"] = "http://127.0.0.1:9/hook",
            ["Webhooks:Destinations:1:Id"] = "r99",
            ["Webhooks:Destinations:1:Name"] = "broken",
            ["Webhooks:Destinations:1:Url"] = "ftp://127.0.0.1/hook",
        });
        using (host)
        {
            var act = () => host.StartAsync();

            (await act.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>()).Which.Message
                .Should().StartWith("Destinations[1] (id 'r99'): ").And.Contain("Url");
        }
    }

    [Test]
    public async Task StartAsync_ConfiguredAuthKindMistyped_ListsTheValidKinds()
    {
        var (host, _) = ConfiguredHost.Build(new Dictionary<string, string?>
        {
            ["Webhooks:Destinations:0:Id"] = "r1",
            ["Webhooks:Destinations:0:Name"] = "signed",
            ["Webhooks:Destinations:0:Url"] = "https://example.com/hook",
            ["Webhooks:Destinations:0:Auth:Kind"] = "hmak",
            ["Webhooks:Destinations:0:Auth:Secret"] = "whsec_aBbtnWBFc2ZJDPvE8/Us6VXN4rU4NKYE1epEFqKzqPQ=",
        });
        using (host)
        {
            var act = () => host.StartAsync();

            (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message
                .Should().Contain("Destinations[0] (id 'r1')").And.Contain("'hmak' is not an auth kind").And.Contain("hmac").And.Contain("bearer").And.Contain("mtls");
        }
    }

    [TestCase("Webhooks:Dispatcher:MaxConcurency", "MaxConcurency")]
    [TestCase("Webhooks:Retry:RetryCount", "RetryCount")]
    [TestCase("Webhooks:Saftey:AllowLoopbackForDevelopment", "Saftey")]
    [TestCase("Webhooks:Destinations:0:Nmae", "Nmae")]
    [TestCase("Webhooks:Destinations:0:Correlation:IdPth", "IdPth")]
    public async Task StartAsync_UnknownConfigurationKey_FailsNamingTheKey(string path, string key)
    {
        var (host, _) = ConfiguredHost.Build(new Dictionary<string, string?> { [path] = "5" });
        using (host)
        {
            var act = () => host.StartAsync();

            (await act.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>()).Which.Message
                .Should().Contain($"{path[..(path.IndexOf(key, StringComparison.Ordinal) + key.Length)]}: unknown configuration key '{key}'");
        }
    }

    [Test]
    public async Task StartAsync_KnownConfigurationKeys_Start()
    {
        var (host, _) = ConfiguredHost.Build(new Dictionary<string, string?>
        {
            ["Webhooks:Dispatcher:MaxConcurrency"] = "8",
            ["Webhooks:Catalog:Mode"] = "Open",
            ["Webhooks:Destinations:0:Id"] = "r1",
            ["Webhooks:Destinations:0:Name"] = "bearer",
            ["Webhooks:Destinations:0:Url"] = "https://93.184.216.34/hook",
            ["Webhooks:Destinations:0:Auth:Kind"] = "bearer",
            ["Webhooks:Destinations:0:Auth:Token"] = "t0ken",
        });
        using (host)
        {
            await host.StartAsync();
            (await host.Services.GetRequiredService<IWebhookDestinationManager>().GetAsync("r1")).Auth.Kind.Should().Be("bearer");
            await host.StopAsync();
        }
    }

    [Test]
    public async Task PublishAsync_InvalidEvent_MessageSaysEvent()
    {
        await using var host = await WebhookTestHost.StartAsync();

        var act = () => host.Publisher.PublishAsync(new WebhookEvent { Type = "has space" });

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Message.Should().StartWith("The webhook event is invalid").And.NotContain("definition");
    }
}

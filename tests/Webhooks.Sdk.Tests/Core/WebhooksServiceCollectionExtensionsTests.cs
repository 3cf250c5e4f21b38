using System.Text;
using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;
using static Webhooks.Sdk.Tests.Core.CoreTestKit;

namespace Webhooks.Sdk.Tests.Core;

public class WebhooksServiceCollectionExtensionsTests
{
    [Test]
    public async Task AddWebhooks_CalledTwice_RegistersOneDispatcherAndDeliversOnce()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(services: (s, _) =>
        {
            s.AddWebhooks();
            s.AddWebhooks(o => o.UserAgent = "Twice/1.0");
        });

        host.Services.GetServices<IHostedService>().OfType<WebhookDispatcher>().Should().ContainSingle();
        host.Services.GetServices<IWebhookPublisher>().Should().ContainSingle();
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        var deliveryId = (await host.Publisher.PublishAsync(Event())).Deliveries.Should().ContainSingle().Subject.DeliveryId;
        await host.WaitForFinalAsync(deliveryId);
        await Task.Delay(200);

        receiver.Requests.Should().ContainSingle().Which.Header("User-Agent").Should().Be("Twice/1.0");
    }

    [Test]
    public async Task AddWebhooks_ConfigurationSection_BindsOptionsAndSeedsDestinations()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var json = $$"""
            {
              "Webhooks": {
                "MaxDestinationsPerTenant": 7,
                "EventTypeHeader": "X-Event",
                "Retry": { "BaseDelay": "00:00:42", "JitterFactor": 0 },
                "Dispatcher": { "MaxConcurrency": 5 },
                "Destinations": [
                  {
                    "Id": "ops",
                    "Name": "Operations",
                    "Url": "{{receiver.Url("/ops")}}",
                    "Subscriptions": [ "scan.*" ],
                    "RetryCount": 2,
                    "Headers": { "X-Team": "ops" }
                  }
                ]
              }
            }
            """;
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddWebhooks(configuration.GetSection("Webhooks"));
        builder.Services.Configure<WebhooksOptions>(o => o.Safety.DangerouslyAllowLoopbackForDevelopment());
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var options = host.Services.GetRequiredService<IOptions<WebhooksOptions>>().Value;
            options.MaxDestinationsPerTenant.Should().Be(7);
            options.Retry.BaseDelay.Should().Be(TimeSpan.FromSeconds(42));
            options.Dispatcher.MaxConcurrency.Should().Be(5);

            var destination = await host.Services.GetRequiredService<IWebhookDestinationManager>().GetAsync("ops");
            destination.Name.Should().Be("Operations");
            destination.Subscriptions.Should().Equal("scan.*");
            destination.RetryCount.Should().Be(2);
            destination.Headers.Should().Contain("X-Team", "ops");

            var result = await host.Services.GetRequiredService<IWebhookPublisher>().PublishAsync(Event("scan.completed"));
            result.Deliveries.Should().ContainSingle().Which.DestinationId.Should().Be("ops");
            var request = (await receiver.WaitForRequestsAsync(1)).Single();
            request.Header("X-Event").Should().Be("scan.completed");
            request.Header("X-Team").Should().Be("ops");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Test]
    public async Task AddWebhooks_ConfigurationSection_DestinationAuthSectionSignsAndStaticHeadersArrive()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        var json = $$"""
            {
              "Webhooks": {
                "Destinations": [
                  { "Id": "signed", "Name": "Signed", "Url": "{{receiver.Url("/signed")}}", "Auth": { "Kind": "hmac", "Secret": "{{secret}}" } },
                  { "Id": "keyed", "Name": "Keyed", "Url": "{{receiver.Url("/keyed")}}", "Auth": { "Kind": "static-headers", "Headers": { "X-Api-Key": "k-123" } } },
                  { "Id": "plain", "Name": "Plain", "Url": "{{receiver.Url("/plain")}}" }
                ]
              }
            }
            """;
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddWebhooks(configuration.GetSection("Webhooks"));
        builder.Services.Configure<WebhooksOptions>(o => o.Safety.DangerouslyAllowLoopbackForDevelopment());
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var destinations = host.Services.GetRequiredService<IWebhookDestinationManager>();
            (await destinations.GetAsync("signed")).Auth.Kind.Should().Be("hmac");
            (await destinations.GetAsync("plain")).Auth.Kind.Should().Be("none");

            await host.Services.GetRequiredService<IWebhookPublisher>().PublishAsync(Event("scan.completed"));
            var requests = await receiver.WaitForRequestsAsync(3);

            var signed = requests.Single(r => r.Path == "/signed");
            var verify = () => new StandardWebhooksVerifier(secret).Verify(signed.Header, signed.Body);
            verify.Should().NotThrow();
            requests.Single(r => r.Path == "/keyed").Header("X-Api-Key").Should().Be("k-123");
            requests.Single(r => r.Path == "/plain").Header("webhook-signature").Should().BeNull();
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Test]
    public async Task AddWebhooks_ConfigurationSection_AuthWithoutKind_FailsStartNamingThePath()
    {
        var json = """{ "Webhooks": { "Destinations": [ { "Id": "x", "Name": "X", "Url": "https://hooks.example.com/x", "Auth": { "Token": "t-secret-1" } } ] } }""";
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddWebhooks(configuration.GetSection("Webhooks"));
        using var host = builder.Build();

        var act = () => host.StartAsync();

        var error = (await act.Should().ThrowAsync<InvalidOperationException>()).Which;
        error.Message.Should().Contain("Destinations[0] (id 'x'): Auth needs a Kind").And.NotContain("t-secret-1");
    }

    [Test]
    public async Task Start_DestinationDisabledInConfigurationThatExistsEnabled_IsDisabled()
    {
        var store = new Webhooks.Sdk.Storage.InMemoryWebhookStore();
        async Task<WebhookDestination> StartWithAsync(bool enabled)
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Services.AddWebhooks(o =>
            {
                o.Safety.DangerouslyAllowLoopbackForDevelopment();
                o.Destinations.Add(new WebhookDestinationDefinition { Id = "ops", Name = "Operations", Url = "http://127.0.0.1:9/ops", Enabled = enabled });
            }).UseStore(_ => store);
            using var host = builder.Build();
            await host.StartAsync();
            try
            {
                return await host.Services.GetRequiredService<IWebhookDestinationManager>().GetAsync("ops");
            }
            finally
            {
                await host.StopAsync();
            }
        }

        (await StartWithAsync(enabled: true)).Enabled.Should().BeTrue();
        var disabled = await StartWithAsync(enabled: false);
        disabled.Enabled.Should().BeFalse();
        disabled.DisabledReason.Should().Be("Disabled in configuration.");
        (await StartWithAsync(enabled: true)).Enabled.Should().BeTrue();
    }

    [Test]
    public async Task Start_InvalidOptions_FailsWithMessagesNamingEachField()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddWebhooks(o =>
        {
            o.Dispatcher.MaxConcurrency = 0;
            o.Retry.JitterFactor = 2;
            o.DefaultSubscriptions = ["bad pattern"];
        });
        using var host = builder.Build();

        var act = () => host.StartAsync();

        var error = (await act.Should().ThrowAsync<OptionsValidationException>()).Which;
        error.Failures.Should().Contain("Dispatcher.MaxConcurrency must be between 1 and 1024, not 0.");
        error.Failures.Should().Contain("Retry.JitterFactor must be between 0 and 1, not 2.");
        error.Failures.Should().Contain(f => f.StartsWith("DefaultSubscriptions: ", StringComparison.Ordinal) && f.Contains("bad pattern", StringComparison.Ordinal));
    }

    [Test]
    public async Task Start_ConfiguredDestinationWithoutId_FailsNamingTheDestination()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddWebhooks(o => o.Destinations.Add(new WebhookDestinationDefinition { Name = "nameless", Url = "https://hooks.example.test/x" }));
        using var host = builder.Build();

        var act = () => host.StartAsync();

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("nameless").And.Contain("Id");
    }
}

using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Core;

/// <summary>Destinations declared in configuration at start: environment failures are retried, configuration errors fail.</summary>
public class WebhooksStartupTests
{
    private const string Collector = "collector.example.test";
    private const string PublicV4 = "93.184.216.34";

    [Test]
    public async Task Start_ConfiguredDestinationNotResolvingAtBoot_StartsThenRetriesWithBackoffUntilDnsAnswers()
    {
        var time = new FakeTimeProvider(CoreTestKit.Start);
        var dns = new ScriptedDnsResolver().Fail(Collector);
        using var host = Build(time, dns, new WebhookDestinationDefinition { Id = "siem", Name = "SIEM", Url = $"https://{Collector}/events" });
        var destinations = host.Services.GetRequiredService<IWebhookDestinationManager>();
        var logs = new CapturedLogs(host.Services.GetRequiredService<FakeLogCollector>());

        await host.StartAsync();

        await FluentActions.Awaiting(() => destinations.GetAsync("siem")).Should().ThrowAsync<WebhookNotFoundException>();
        logs.Lines.Should().Contain(l => l.Contains("[1701]", StringComparison.Ordinal) && l.Contains("Destinations[0] (id 'siem')", StringComparison.Ordinal) && l.Contains("dns-failure", StringComparison.Ordinal));
        var atStart = dns.CallsFor(Collector);

        await Task.Delay(200); // the background retry is waiting on the fake clock
        time.Advance(TimeSpan.FromSeconds(1));
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(logs.Lines.Count(l => l.Contains("[1701]", StringComparison.Ordinal)) == 2), because: "the retry 1 s after start fails too");
        var afterFirstRetry = dns.CallsFor(Collector);
        afterFirstRetry.Should().BeGreaterThan(atStart);
        await Task.Delay(200);

        time.Advance(TimeSpan.FromSeconds(1));
        await Task.Delay(300);
        dns.CallsFor(Collector).Should().Be(afterFirstRetry, "the second retry waits 2 s, twice the first");

        dns.Answer(Collector, PublicV4);
        time.Advance(TimeSpan.FromSeconds(1));
        await WebhookTestHost.WaitUntilAsync(
            async () =>
            {
                try
                {
                    return (await destinations.GetAsync("siem")).Url == $"https://{Collector}/events";
                }
                catch (WebhookNotFoundException)
                {
                    return false;
                }
            },
            because: "the destination is created once the name resolves");
        await WebhookTestHost.WaitUntilAsync(
            () => Task.FromResult(logs.Lines.Any(l => l.Contains("[1702]", StringComparison.Ordinal) && l.Contains("attempt 3", StringComparison.Ordinal))),
            because: "the success is logged right after the destination is stored");
        await host.StopAsync();
    }

    [Test]
    public async Task Start_ConfiguredDestinationWithABadFieldWhileDnsIsDown_StillFailsFastNamingTheField()
    {
        var dns = new ScriptedDnsResolver().Fail(Collector);
        using var host = Build(new FakeTimeProvider(CoreTestKit.Start), dns, new WebhookDestinationDefinition { Id = "siem", Name = "SIEM", Url = $"https://{Collector}/events", RetryCount = -1 });

        var act = () => host.StartAsync();

        var error = (await act.Should().ThrowAsync<OptionsValidationException>()).Which;
        error.Message.Should().Contain("Destinations[0] (id 'siem')").And.Contain("RetryCount");
    }

    [Test]
    public async Task Start_ConfiguredDestinationResolvingToAPrivateAddress_FailsFastNamingTheRule()
    {
        var dns = new ScriptedDnsResolver().Answer(Collector, "10.0.0.5");
        using var host = Build(new FakeTimeProvider(CoreTestKit.Start), dns, new WebhookDestinationDefinition { Id = "siem", Name = "SIEM", Url = $"https://{Collector}/events" });

        var act = () => host.StartAsync();

        var error = (await act.Should().ThrowAsync<OptionsValidationException>()).Which;
        error.Message.Should().Contain("Destinations[0] (id 'siem')").And.Contain("Url").And.Contain("dns-private").And.NotContain("10.0.0.5");
    }

    private static IHost Build(FakeTimeProvider time, ScriptedDnsResolver dns, WebhookDestinationDefinition definition)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddFakeLogging();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddWebhooks(o =>
        {
            o.Dispatcher.Enabled = false;
            o.Destinations.Add(definition);
        });
        builder.Services.AddSingleton<IWebhookDnsResolver>(dns);
        return builder.Build();
    }
}

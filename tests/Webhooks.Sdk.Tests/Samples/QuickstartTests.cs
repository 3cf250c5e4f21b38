using System.Diagnostics;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Testing;

namespace Webhooks.Sdk.Tests.Samples;

/// <summary>Runs the built quickstart sample as a user would, checking its exit codes and output.</summary>
public class QuickstartTests
{
    private const string Title = "Quickstart event 1 of 1";

    private static string QuickstartDll
    {
        get
        {
            // tests/Webhooks.Sdk.Tests/bin/<Configuration>/net10.0 → samples/Webhooks.Sdk.Samples.Quickstart/bin/<Configuration>/net10.0
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = testBin.Parent!.Name;
            var root = testBin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
            return Path.Combine(root, "samples", "Webhooks.Sdk.Samples.Quickstart", "bin", configuration, testBin.Name, "Webhooks.Sdk.Samples.Quickstart.dll");
        }
    }

    [Test]
    public async Task Run_NoArguments_DeliversEveryEventIncludingTheRecoveringDestinationAndExitsZero()
    {
        var (exit, stdout, stderr) = await RunAsync();

        exit.Should().Be(0, stderr);
        stdout.Should().Contain("6 deliveries: 6 succeeded, 0 not delivered.");
        stdout.Should().MatchRegex(@"flaky\s+order\.created\s+failed\s+1\s+503");
        stdout.Should().MatchRegex(@"flaky\s+order\.created\s+ok\s+3\s+200");
        stdout.TrimEnd().Split('\n')[^1].Should().MatchRegex(@"^metrics: 8 attempts, 6 successes, p50 attempt time \d+\.\d ms$", "the output ends with a summary read from the library's meter");
    }

    [Test]
    public async Task Run_PlainHttpLoopbackUrlWithoutOptIn_IsRefusedWithExitTwoAndOneLineReason()
    {
        var (exit, stdout, stderr) = await RunAsync("--url", "http://127.0.0.1:9/hook");

        exit.Should().Be(2);
        var errorLines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToArray();
        errorLines.Should().ContainSingle().Which.Should().Contain("refused by rule");
        stdout.Should().NotContain("deliveries:");
    }

    [Test]
    public async Task Run_HttpsLoopbackUrlWithoutOptIn_IsRefusedWithExitTwo()
    {
        var (exit, _, stderr) = await RunAsync("--url", "https://127.0.0.1:9/hook");

        exit.Should().Be(2);
        stderr.Should().Contain("refused by rule");
    }

    [Test]
    public async Task Run_UnknownArgument_ExitsTwoWithUsage()
    {
        var (exit, _, stderr) = await RunAsync("--bogus");

        exit.Should().Be(2);
        stderr.Should().Contain("unknown argument '--bogus'");
    }

    [Test]
    public async Task Run_UrlWithOptInAndCount_SendsEveryEventToTheEndpointAndExitsZero()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();

        var (exit, stdout, stderr) = await RunAsync("--url", receiver.Url("/in").ToString(), "--allow-private-network", "--count", "3", "--event-type", "demo.ping");

        exit.Should().Be(0, stderr);
        stdout.Should().Contain("3 deliveries: 3 succeeded");
        receiver.RequestsTo("/in").Should().HaveCount(3).And.OnlyContain(r => r.Header("webhook-event-type") == "demo.ping");
    }

    [Test]
    public async Task Run_EndpointAlwaysFailing_ExitsOne()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.DefaultResponse = ReceiverResponse.Status(500);

        var (exit, stdout, _) = await RunAsync("--url", receiver.Url("/in").ToString(), "--allow-private-network", "--timeout", "20");

        exit.Should().Be(1);
        stdout.Should().Contain("1 deliveries: 0 succeeded");
        receiver.RequestsTo("/in").Should().HaveCount(3, "one attempt and the sample's two retries");
    }

    // format, setting, content type the receiver gets, then a JSON path and the value it must hold (or, for the text
    // formats, "^" and the line's start): each pair is something only that format's body has.
    [TestCase("json", null, "application/json", "metadata.destinationName", "quickstart")]
    [TestCase("cloudevents", null, "application/cloudevents+json; charset=utf-8", "specversion", "1.0")]
    [TestCase("slack", null, "application/json; charset=utf-8", "blocks[0].text.text", Title)]
    [TestCase("teams", null, "application/json; charset=utf-8", "attachments[0].content.body[0].text", Title)]
    [TestCase("discord", null, "application/json; charset=utf-8", "embeds[0].title", Title)]
    [TestCase("gchat", null, "application/json; charset=UTF-8", "cardsV2[0].card.header.title", Title)]
    [TestCase("feishu", null, "application/json; charset=utf-8", "card.header.title.content", Title)]
    [TestCase("datadog", null, "application/json; charset=utf-8", "aggregation_key", "quickstart.test")]
    [TestCase("splunk", null, "application/json; charset=utf-8", "event.title", Title)]
    [TestCase("opsgenie", null, "application/json; charset=utf-8", "message", Title)]
    [TestCase("pagerduty", "routingKey=R0UT1NGKEY0000000000000000000000", "application/json; charset=utf-8", "routing_key", "R0UT1NGKEY0000000000000000000000")]
    [TestCase("cef", null, "text/plain; charset=utf-8", "^", "CEF:0|Webhooks.Sdk|Webhooks.Sdk|")]
    [TestCase("syslog", null, "text/plain; charset=utf-8", "^", "<134>1 ")]
    [TestCase("jira", "projectKey=OPS", "application/json; charset=utf-8", "fields.project.key", "OPS")]
    [TestCase("servicenow", null, "application/json; charset=utf-8", "short_description", Title)]
    [TestCase("zendesk", null, "application/json; charset=utf-8", "ticket.subject", Title)]
    public async Task Run_FormatOption_DeliversInThatFormat(string format, string? setting, string contentType, string path, string expected)
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var args = new List<string> { "--url", receiver.Url("/in").ToString(), "--allow-private-network", "--format", format };
        if (setting is not null)
        {
            args.AddRange(["--setting", setting]);
        }

        var (exit, stdout, stderr) = await RunAsync([.. args]);

        exit.Should().Be(0, stdout + stderr);
        var request = receiver.Requests.Should().ContainSingle().Subject;
        request.Header("Content-Type").Should().Be(contentType);
        if (path == "^")
        {
            request.BodyText.Should().StartWith(expected);
            request.BodyText.Should().Contain(Title);
            return;
        }

        var node = System.Text.Json.JsonDocument.Parse(request.Body).RootElement;
        foreach (var step in path.Split('.'))
        {
            var bracket = step.IndexOf('[', StringComparison.Ordinal);
            node = bracket < 0 ? node.GetProperty(step) : node.GetProperty(step[..bracket])[int.Parse(step[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture)];
        }

        node.GetString().Should().Be(expected, $"the {format} body carries it at {path}");
    }

    [Test]
    public async Task Run_FormatNeedingASettingWithoutIt_ExitsTwoNamingTheSetting()
    {
        var (exit, _, stderr) = await RunAsync("--url", "http://127.0.0.1:9/in", "--allow-private-network", "--format", "jira");

        exit.Should().Be(2);
        stderr.Should().Contain("projectKey");
    }

    internal static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        File.Exists(QuickstartDll).Should().BeTrue($"the quickstart is built next to the tests ({QuickstartDll})");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(QuickstartDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}

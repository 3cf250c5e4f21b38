using System.Net;
using System.Net.Sockets;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Webhooks.Sdk.Tests.Support;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;

namespace Webhooks.Sdk.Tests.Formatting;

/// <summary>Create-then-update against scripted ticket APIs (Zendesk and ServiceNow shapes) served by WireMock.Net on 127.0.0.1.</summary>
public class TicketCorrelationTests
{
    private const string Key = "incident-7";

    internal static WireMockServer StartServer()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return WireMockServer.Start(new WireMockServerSettings { Urls = [$"http://127.0.0.1:{port}"] });
    }

    internal static string Base(WireMockServer server) => $"http://127.0.0.1:{server.Ports[0]}";

    private static Task<WebhookTestHost> StartHostAsync(Action<IServiceCollection>? services = null)
        => WebhookTestHost.StartAsync(
            o =>
            {
                o.Retry.BaseDelay = TimeSpan.FromMilliseconds(100);
                o.Retry.MaxDelay = TimeSpan.FromMilliseconds(200);
            },
            services is null ? null : (s, _) => services(s));

    private static WebhookDestinationDefinition Zendesk(WireMockServer server, int retryCount = 0, string? updateUrl = null) => new()
    {
        Name = "zendesk",
        Url = Base(server) + "/api/v2/tickets",
        Format = WebhookFormats.Zendesk,
        RetryCount = retryCount,
        Correlation = new WebhookCorrelationSettings
        {
            IdPath = "ticket.id",
            UpdateMethod = "PUT",
            UpdateUrl = updateUrl ?? Base(server) + "/api/v2/tickets/${correlationId}",
        },
    };

    private static async Task<WebhookDelivery> PublishAsync(WebhookTestHost host, int seq)
    {
        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("ticket.changed", new { seq }) with { Title = "Disk full", CorrelationKey = Key });
        return await host.WaitForFinalAsync(result.Deliveries.Should().ContainSingle().Subject.DeliveryId);
    }

    private static IEnumerable<(string Method, string Path)> Calls(WireMockServer server)
        => server.LogEntries.OrderBy(e => e.RequestMessage.DateTime).Select(e => (e.RequestMessage.Method, e.RequestMessage.Path));

    [Test]
    public async Task Redeliver_CreateThatFailedForGood_CreatesInsteadOfUpdatingTheFallback()
    {
        using var server = StartServer();
        server.Given(Request.Create().WithPath("/api/v2/tickets").UsingPost()).InScenario("create").WillSetStateTo("up")
            .RespondWith(Response.Create().WithStatusCode(503).WithBody("maintenance"));
        server.Given(Request.Create().WithPath("/api/v2/tickets").UsingPost()).InScenario("create").WhenStateIs("up")
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json").WithBody("{\"ticket\":{\"id\":35436}}"));
        server.Given(Request.Create().WithPath("/api/v2/tickets/*").UsingPut())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("{\"ticket\":{}}"));
        await using var host = await StartHostAsync();
        await host.Destinations.CreateAsync(Zendesk(server));

        var first = await PublishAsync(host, 1);
        first.Status.Should().Be(WebhookDeliveryStatus.Failed);
        await host.DeliveryLog.RedeliverAsync(first.Id);
        (await host.WaitForFinalAsync(first.Id)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        (await PublishAsync(host, 2)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);

        Calls(server).Should().Equal(("POST", "/api/v2/tickets"), ("POST", "/api/v2/tickets"), ("PUT", "/api/v2/tickets/35436"));
    }

    [Test]
    public async Task Publish_CreateResponseWithoutId_NextEventCreatesAgain()
    {
        using var server = StartServer();
        server.Given(Request.Create().WithPath("/api/v2/tickets").UsingPost()).InScenario("create").WillSetStateTo("second")
            .RespondWith(Response.Create().WithStatusCode(201).WithBody("{\"ticket\":{}}"));
        server.Given(Request.Create().WithPath("/api/v2/tickets").UsingPost()).InScenario("create").WhenStateIs("second")
            .RespondWith(Response.Create().WithStatusCode(201).WithBody("{\"ticket\":{\"id\":\"T-2\"}}"));
        server.Given(Request.Create().WithPath("/api/v2/tickets/*").UsingPut()).RespondWith(Response.Create().WithStatusCode(200));
        await using var host = await StartHostAsync();
        await host.Destinations.CreateAsync(Zendesk(server));

        await PublishAsync(host, 1);
        await PublishAsync(host, 2);
        await PublishAsync(host, 3);

        Calls(server).Should().Equal(("POST", "/api/v2/tickets"), ("POST", "/api/v2/tickets"), ("PUT", "/api/v2/tickets/T-2"));
    }

    [Test]
    public async Task Publish_UpdateAnswers410_RecordedOnThatDeliveryDestinationStaysEnabledNextEventCreates()
    {
        using var server = StartServer();
        server.Given(Request.Create().WithPath("/api/v2/tickets").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithBody("{\"ticket\":{\"id\":35436}}"));
        server.Given(Request.Create().WithPath("/api/v2/tickets/35436").UsingPut())
            .RespondWith(Response.Create().WithStatusCode(410).WithBody("{\"error\":\"RecordNotFound\"}"));
        await using var host = await StartHostAsync();
        var destination = await host.Destinations.CreateAsync(Zendesk(server, retryCount: 3));

        (await PublishAsync(host, 1)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        var update = await PublishAsync(host, 2);
        var third = await PublishAsync(host, 3);

        update.Status.Should().Be(WebhookDeliveryStatus.Failed);
        update.AttemptCount.Should().Be(1);
        update.LastStatusCode.Should().Be(410);
        update.LastError.Should().Contain("deleted").And.Contain("stays enabled");
        third.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        var read = await host.Destinations.GetAsync(destination.Id);
        read.Enabled.Should().BeTrue();
        read.DisabledReason.Should().BeNull();
        Calls(server).Should().Equal(("POST", "/api/v2/tickets"), ("PUT", "/api/v2/tickets/35436"), ("POST", "/api/v2/tickets"));
    }

    [Test]
    public async Task ClearCorrelationIdAsync_AfterCreate_NextEventCreates()
    {
        using var server = StartServer();
        server.Given(Request.Create().WithPath("/api/v2/tickets").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithBody("{\"ticket\":{\"id\":1}}"));
        server.Given(Request.Create().WithPath("/api/v2/tickets/*").UsingPut()).RespondWith(Response.Create().WithStatusCode(200));
        await using var host = await StartHostAsync();
        var destination = await host.Destinations.CreateAsync(Zendesk(server));

        await PublishAsync(host, 1);
        await PublishAsync(host, 2);
        await host.Destinations.ClearCorrelationIdAsync(destination.Id, Key);
        await PublishAsync(host, 3);

        Calls(server).Should().Equal(("POST", "/api/v2/tickets"), ("PUT", "/api/v2/tickets/1"), ("POST", "/api/v2/tickets"));
    }

    [Test]
    public async Task ClearCorrelationIdAsync_UnknownDestination_ThrowsNotFound()
    {
        await using var host = await StartHostAsync();

        var act = () => host.Destinations.ClearCorrelationIdAsync("missing", Key);

        await act.Should().ThrowAsync<WebhookNotFoundException>();
    }

    [Test]
    public async Task Publish_CreatedIdIsDotDot_NotUsedAsAnIdNextEventCreates()
    {
        using var server = StartServer();
        server.Given(Request.Create().WithPath("/api/now/table/incident").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithBody("{\"result\":{\"sys_id\":\"..\"}}"));
        server.Given(Request.Create().UsingPatch()).RespondWith(Response.Create().WithStatusCode(200).WithBody("{\"result\":{}}"));
        await using var host = await StartHostAsync();
        await host.Destinations.CreateAsync(new WebhookDestinationDefinition
        {
            Name = "snow",
            Url = Base(server) + "/api/now/table/incident",
            Format = WebhookFormats.ServiceNow,
            Correlation = new WebhookCorrelationSettings { IdPath = "result.sys_id", UpdateMethod = "PATCH", UpdateUrl = Base(server) + "/api/now/table/incident/${correlationId}" },
        });

        await PublishAsync(host, 1);
        await PublishAsync(host, 2);

        Calls(server).Should().Equal(("POST", "/api/now/table/incident"), ("POST", "/api/now/table/incident"));
    }

    [Test]
    public async Task Publish_UpdateUrlRefusedByTheUrlPolicyAfterRendering_FailedAttemptNamesTheRule()
    {
        using var server = StartServer();
        server.Given(Request.Create().WithPath("/api/v2/tickets").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithBody("{\"ticket\":{\"id\":9}}"));
        server.Given(Request.Create().UsingPut()).RespondWith(Response.Create().WithStatusCode(200));
        await using var host = await StartHostAsync(s => s.AddSingleton<IWebhookUrlPolicy>(new RefuseLocalhostPolicy()));
        var port = server.Ports[0];
        await host.Destinations.CreateAsync(Zendesk(server, updateUrl: $"http://localhost:{port}/api/v2/tickets/${{correlationId}}"));

        await PublishAsync(host, 1);
        var update = await PublishAsync(host, 2);

        update.Status.Should().Be(WebhookDeliveryStatus.Failed);
        update.LastError.Should().Contain("rule 'allow-list'").And.NotContain("/api/v2/tickets/9");
        Calls(server).Should().Equal(("POST", "/api/v2/tickets"));
    }

    /// <summary>An operator's policy: every host but <c>localhost</c>.</summary>
    private sealed class RefuseLocalhostPolicy : IWebhookUrlPolicy
    {
        public ValueTask<WebhookUrlVerdict> EvaluateAsync(Uri url, CancellationToken cancellationToken)
            => ValueTask.FromResult(url.Host == "localhost" ? WebhookUrlVerdict.Refuse("allow-list", "the host is not on the allow-list") : WebhookUrlVerdict.Allow);
    }
}

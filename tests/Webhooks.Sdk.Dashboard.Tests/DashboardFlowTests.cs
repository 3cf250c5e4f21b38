using System.Net;
using System.Text.RegularExpressions;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Webhooks.Sdk.AspNetCore;
using Webhooks.Sdk.Testing;

namespace Webhooks.Sdk.Dashboard.Tests;

/// <summary>History filters, replay, the send form and tenancy, over HTTP against a real host and receiver.</summary>
public partial class WebhooksDashboardTests
{
    [Test]
    public async Task History_FiltersByStatusTypeAndTime_AndReplayQueuesTheFailedOnes()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Responder = r => r.Header("webhook-event-type") == "finding.created" ? ReceiverResponse.Status(500, "no") : null;
        await using var host = await DashboardTestHost.StartAsync();
        var definition = Hmac(receiver);
        definition.RetryCount = 0;
        definition.Subscriptions = ["*"];
        var saved = await host.Destinations.CreateAsync(definition);
        var publisher = host.Services.GetRequiredService<IWebhookPublisher>();
        await publisher.PublishAsync(new WebhookEvent { Type = "scan.completed" });
        await publisher.PublishAsync(new WebhookEvent { Type = "scan.completed" });
        await publisher.PublishAsync(new WebhookEvent { Type = "finding.created" });
        await WaitForAsync(async () => (await host.Log.ListAsync(saved.Id)).All(d => d.Status != WebhookDeliveryStatus.Pending));
        using var admin = host.Client(DashboardTestHost.AdminToken);
        var history = $"destinations/{saved.Id}/deliveries";

        Count(await admin.GetStringAsync(history)).Should().Be(3);
        var failed = await admin.GetStringAsync(history + "?status=failed");
        Count(failed).Should().Be(1);
        failed.Should().Contain("finding.created").And.Contain("HTTP 500");
        Count(await admin.GetStringAsync(history + "?status=succeeded&eventType=scan.completed")).Should().Be(2);
        Count(await admin.GetStringAsync(history + "?statusClass=5xx")).Should().Be(1);
        Count(await admin.GetStringAsync(history + "?statusClass=2xx&status=failed")).Should().Be(0);
        Count(await admin.GetStringAsync(history + "?eventType=finding.created")).Should().Be(1);
        Count(await admin.GetStringAsync(history + "?since=2100-01-01T00:00")).Should().Be(0);
        Count(await admin.GetStringAsync(history + "?until=2000-01-01T00:00")).Should().Be(0);
        (await admin.GetStringAsync(history + "?since=yesterday")).Should().Contain("is not a date and time").And.Contain("aria-invalid=\"true\"");

        var before = receiver.Requests.Count;
        var token = await AntiforgeryTokenAsync(admin, history);
        var replay = await admin.PostAsync($"destinations/{saved.Id}/replay", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["since"] = "2000-01-01T00:00" }));

        replay.StatusCode.Should().Be(HttpStatusCode.Redirect);
        replay.Headers.Location!.OriginalString.Should().Be("deliveries?notice=replayed");
        await receiver.WaitForRequestsAsync(before + 1, TimeSpan.FromSeconds(10));
        receiver.Requests.Skip(before).Should().OnlyContain(r => r.Header("webhook-event-type") == "finding.created", "only the failed delivery is replayed");
        (await admin.GetStringAsync(new Uri(new Uri(admin.BaseAddress!, $"destinations/{saved.Id}/replay"), replay.Headers.Location))).Should().Contain("The failed deliveries were queued once more.");
    }

    [Test]
    public async Task Send_InvalidJsonOrNoDestination_ShowsErrorsAndQueuesNothing_ValidOneIsAccepted()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await DashboardTestHost.StartAsync();
        var saved = await host.Destinations.CreateAsync(Hmac(receiver));
        using var admin = host.Client(DashboardTestHost.AdminToken);
        var page = await admin.GetStringAsync("send?type=finding.created");
        page.Should().Contain("&quot;findingId&quot;: &quot;f-9&quot;", "the chosen type's example fills the payload");
        var token = TokenField().Match(page).Groups["v"].Value;

        var bad = await admin.PostAsync("send", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["Type"] = "finding.created", ["Data"] = "{ not json" }));

        bad.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var html = await bad.Content.ReadAsStringAsync();
        html.Should().Contain("is not valid JSON").And.Contain("tick at least one destination").And.Contain("{ not json");
        (await host.Log.ListAsync(saved.Id)).Should().BeEmpty();

        var good = await admin.PostAsync("send", new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("Type", "finding.created"), new("Data", "{\"findingId\":\"f-1\"}"), new("DestinationIds", saved.Id)]));

        good.StatusCode.Should().Be(HttpStatusCode.OK);
        (await good.Content.ReadAsStringAsync()).Should().Contain("Accepted for delivery").And.Contain($"destinations/{saved.Id}/deliveries");
        await receiver.WaitForRequestsAsync(1, TimeSpan.FromSeconds(10));
        receiver.Requests[0].BodyText.Should().Contain("f-1");
    }

    [Test]
    public async Task RouteValueTenant_SeesOnlyItsOwnDestinations_AndCannotTouchAnotherTenants()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await DashboardTestHost.StartAsync(mount: "/accounts/{accountId}/webhooks", configure: o => o.UseRouteValueTenant("accountId"));
        var mine = Hmac(receiver);
        mine.Name = "Mine";
        await host.Destinations.ForTenant("a").CreateAsync(mine);
        var theirsDefinition = Hmac(receiver);
        theirsDefinition.Name = "Theirs";
        var theirs = await host.Destinations.ForTenant("b").CreateAsync(theirsDefinition);
        using var admin = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(host.BaseUrl, "accounts/a/webhooks/") };
        admin.DefaultRequestHeaders.Add("Cookie", DashboardTestHost.TokenCookie + "=" + DashboardTestHost.AdminToken);

        var list = await admin.GetStringAsync("destinations");
        list.Should().Contain("Mine").And.NotContain("Theirs");
        (await admin.GetAsync($"destinations/{theirs.Id}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        var token = TokenField().Match(list).Groups["v"].Value;
        var disable = await admin.PostAsync($"destinations/{theirs.Id}/disable", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["back"] = "list" }));
        var delete = await admin.PostAsync($"destinations/{theirs.Id}/delete", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));

        disable.StatusCode.Should().Be(HttpStatusCode.NotFound);
        delete.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await host.Destinations.ForTenant("b").GetAsync(theirs.Id)).Enabled.Should().BeTrue();
    }

    [Test]
    public async Task History_MoreThanOnePage_OlderLinkWalksToTheEnd()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await DashboardTestHost.StartAsync();
        var saved = await host.Destinations.CreateAsync(Hmac(receiver));
        for (var i = 0; i < 55; i++)
        {
            await host.Destinations.TestAsync(saved.Id);
        }

        using var admin = host.Client(DashboardTestHost.AdminToken);
        var first = await admin.GetStringAsync($"destinations/{saved.Id}/deliveries?status=succeeded");
        var older = OlderLink().Match(first);

        Count(first).Should().Be(50);
        older.Success.Should().BeTrue();
        var href = System.Net.WebUtility.HtmlDecode(older.Groups["href"].Value);
        href.Should().StartWith("deliveries?status=succeeded&cursor=", "the filters travel with the cursor");
        var second = await admin.GetStringAsync($"destinations/{saved.Id}/" + href);
        Count(second).Should().Be(5);
        OlderLink().IsMatch(second).Should().BeFalse();
    }

    [Test]
    public async Task Save_AfterSomeoneElseChangedTheDestination_Gets409AndKeepsTheirChange()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await DashboardTestHost.StartAsync(time: new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture)));
        var saved = await host.Destinations.CreateAsync(Hmac(receiver));
        using var admin = host.Client(DashboardTestHost.AdminToken);
        var form = FormFields(await admin.GetStringAsync($"destinations/{saved.Id}"));
        ((Microsoft.Extensions.Time.Testing.FakeTimeProvider)host.Services.GetRequiredService<TimeProvider>()).Advance(TimeSpan.FromSeconds(1));
        await host.Destinations.UpdateAsync(saved.Id, new WebhookDestinationUpdate { Name = "Theirs" });
        form["Name"] = "Mine";
        form["action"] = "save";

        var response = await admin.PostAsync($"destinations/{saved.Id}", new FormUrlEncodedContent(form));

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await response.Content.ReadAsStringAsync()).Should().Contain("changed by someone else");
        (await host.Destinations.GetAsync(saved.Id)).Name.Should().Be("Theirs");
    }

    private static int Count(string historyHtml) => DeliveryItem().Count(historyHtml);

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            DateTime.UtcNow.Should().BeBefore(until, "the condition should hold within 10 s");
            await Task.Delay(50);
        }
    }

    [GeneratedRegex("<a class=\"button\" href=\"(?<href>[^\"]+)\">Older deliveries</a>")]
    private static partial Regex OlderLink();

    [GeneratedRegex("<li id=\"d-")]
    private static partial Regex DeliveryItem();
}

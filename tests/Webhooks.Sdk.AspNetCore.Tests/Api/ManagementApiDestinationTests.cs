using System.Net;
using System.Text.Json.Nodes;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Testing;

namespace Webhooks.Sdk.AspNetCore.Tests.Api;

/// <summary>Destination routes: create, list, get, replace, patch, enable, disable, delete, rotate, with ETags.</summary>
public class ManagementApiDestinationTests
{
    private LocalWebhookReceiver _receiver = null!;
    private ApiTestHost _host = null!;

    [SetUp]
    public async Task SetUp()
    {
        _receiver = await LocalWebhookReceiver.StartAsync();
        _host = await ApiTestHost.StartAsync();
    }

    [TearDown]
    public async Task TearDown()
    {
        await _host.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Test]
    public async Task Post_ValidDefinition_Answers201WithLocationETagAndTheSavedDestination()
    {
        var definition = ApiTestHost.Destination(_receiver.Url(), id: "orders-hook");
        definition["subscriptions"] = new JsonArray("order.*");
        definition["headers"] = new JsonObject { ["X-Team"] = "payments" };
        definition["retryCount"] = 2;
        definition["attemptTimeout"] = "00:00:07";

        using var response = await _host.Admin.PostJsonAsync("destinations", definition);

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        response.Headers.Location!.ToString().Should().Be("/api/webhooks/destinations/orders-hook");
        response.Headers.ETag.Should().NotBeNull();
        var body = await response.ReadJsonAsync();
        body["id"]!.GetValue<string>().Should().Be("orders-hook");
        body["subscriptions"]!.AsArray().Select(s => s!.GetValue<string>()).Should().Equal("order.*");
        body["headers"]!["X-Team"]!.GetValue<string>().Should().Be("payments");
        body["retryCount"]!.GetValue<int>().Should().Be(2);
        body["attemptTimeout"]!.GetValue<string>().Should().Be("00:00:07");
        body["enabled"]!.GetValue<bool>().Should().BeTrue();
        body["auth"]!["kind"]!.GetValue<string>().Should().Be("none");

        using var get = await _host.Admin.GetAsync(response.Headers.Location.ToString().Replace("/api/webhooks/", string.Empty, StringComparison.Ordinal));
        get.StatusCode.Should().Be(HttpStatusCode.OK);
        get.Headers.ETag!.Tag.Should().Be(response.Headers.ETag!.Tag);
    }

    [Test]
    public async Task Put_WholeDefinition_ReplacesSettingsKeepsAuthAndEnabledWhenLeftOut()
    {
        await _host.Admin.CreateAsync(ApiTestHost.Destination(_receiver.Url(), id: "d1", auth: new { kind = "bearer", token = "tok-put-secret" }));
        using (await _host.Admin.PostAsync("destinations/d1/disable", null))
        {
        }

        using var put = await _host.Admin.PutJsonAsync("destinations/d1", new { name = "renamed", url = _receiver.Url("/other").ToString(), retryCount = 1 });

        put.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await put.ReadJsonAsync();
        body["name"]!.GetValue<string>().Should().Be("renamed");
        body["url"]!.GetValue<string>().Should().EndWith("/other");
        body["retryCount"]!.GetValue<int>().Should().Be(1);
        body["enabled"]!.GetValue<bool>().Should().BeFalse("enabled was left out");
        body["auth"]!["kind"]!.GetValue<string>().Should().Be("bearer", "auth was left out");

        using (await _host.Admin.PostAsync("destinations/d1/enable", null))
        {
        }

        using var test = await _host.Admin.PostAsync("destinations/d1/test", null);
        (await test.ReadJsonAsync())["success"]!.GetValue<bool>().Should().BeTrue();
        _receiver.RequestsTo("/other").Single().Header("Authorization").Should().Be("Bearer tok-put-secret");
    }

    [Test]
    public async Task Put_IdDifferentFromTheUrl_Answers400NamingId()
    {
        await _host.Admin.CreateAsync(ApiTestHost.Destination(_receiver.Url(), id: "d1"));

        using var put = await _host.Admin.PutJsonAsync("destinations/d1", new { id = "d2", name = "x", url = _receiver.Url().ToString() });

        put.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await put.ReadJsonAsync())["errors"]!["id"].Should().NotBeNull();
    }

    [Test]
    public async Task Patch_MergePatch_ChangesOnlyWhatItNamesMergesHeadersAndKeepsTheSigningSecret()
    {
        var secret = "whsec_" + Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        var definition = ApiTestHost.Destination(_receiver.Url(), id: "d1", auth: new { kind = "hmac", secret });
        definition["headers"] = new JsonObject { ["X-A"] = "1", ["X-B"] = "2" };
        definition["subscriptions"] = new JsonArray("order.*");
        await _host.Admin.CreateAsync(definition);

        using var patch = await _host.Admin.PatchJsonAsync("destinations/d1", new JsonObject
        {
            ["name"] = "patched",
            ["headers"] = new JsonObject { ["X-A"] = null, ["X-C"] = "3" },
            ["auth"] = new JsonObject { ["kind"] = "hmac", ["secret"] = string.Empty },
        });

        patch.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await patch.ReadJsonAsync();
        body["name"]!.GetValue<string>().Should().Be("patched");
        body["url"]!.GetValue<string>().Should().Be(_receiver.Url().ToString());
        body["subscriptions"]!.AsArray().Select(s => s!.GetValue<string>()).Should().Equal("order.*");
        body["headers"]!.AsObject().Select(h => h.Key).Should().BeEquivalentTo("X-B", "X-C");

        using var test = await _host.Admin.PostAsync("destinations/d1/test", null);
        (await test.ReadJsonAsync())["success"]!.GetValue<bool>().Should().BeTrue();
        var received = _receiver.Requests.Single();
        var verify = () => new StandardWebhooksVerifier(secret).Verify(received.Header("webhook-id"), received.Header("webhook-timestamp"), received.Header("webhook-signature"), received.Body);
        verify.Should().NotThrow("an empty secret in a patch keeps the saved one");
    }

    [Test]
    public async Task Patch_PlainJsonContentType_IsAcceptedAndNullRemovesTheRateLimit()
    {
        var definition = ApiTestHost.Destination(_receiver.Url(), id: "d1");
        definition["rateLimit"] = new JsonObject { ["perSecond"] = 5, ["burst"] = 2 };
        await _host.Admin.CreateAsync(definition);

        using var patch = await _host.Admin.PatchJsonAsync("destinations/d1", new JsonObject { ["rateLimit"] = null }, contentType: "application/json");

        patch.StatusCode.Should().Be(HttpStatusCode.OK);
        (await patch.ReadJsonAsync())["rateLimit"].Should().BeNull();
    }

    [Test]
    public async Task Patch_Enabled_DisablesAndEnablesTheDestination()
    {
        await _host.Admin.CreateAsync(ApiTestHost.Destination(_receiver.Url(), id: "d1"));

        using var off = await _host.Admin.PatchJsonAsync("destinations/d1", new { enabled = false });
        (await off.ReadJsonAsync())["enabled"]!.GetValue<bool>().Should().BeFalse();
        using var on = await _host.Admin.PatchJsonAsync("destinations/d1", new { enabled = true });
        (await on.ReadJsonAsync())["enabled"]!.GetValue<bool>().Should().BeTrue();
    }

    [Test]
    public async Task IfMatch_StaleETag_Answers412AndChangesNothing_CurrentETagSucceeds()
    {
        await _host.Admin.CreateAsync(ApiTestHost.Destination(_receiver.Url(), id: "d1"));
        using var first = await _host.Admin.GetAsync("destinations/d1");
        var stale = first.Headers.ETag!.Tag;
        using var change = await _host.Admin.PatchJsonAsync("destinations/d1", new { name = "second" }, ifMatch: stale);
        change.StatusCode.Should().Be(HttpStatusCode.OK);
        var current = change.Headers.ETag!.Tag;
        current.Should().NotBe(stale);

        using var put = await _host.Admin.PutJsonAsync("destinations/d1", new { name = "lost update", url = _receiver.Url().ToString() }, ifMatch: stale);
        using var patch = await _host.Admin.PatchJsonAsync("destinations/d1", new { name = "lost update" }, ifMatch: stale);
        using var disable = await Send(HttpMethod.Post, "destinations/d1/disable", stale);
        using var delete = await Send(HttpMethod.Delete, "destinations/d1", stale);

        foreach (var response in new[] { put, patch, disable, delete })
        {
            response.StatusCode.Should().Be(HttpStatusCode.PreconditionFailed);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            (await response.ReadJsonAsync())["type"]!.GetValue<string>().Should().Be("urn:webhooks:problem:precondition-failed");
        }

        using var after = await _host.Admin.GetAsync("destinations/d1");
        var body = await after.ReadJsonAsync();
        body["name"]!.GetValue<string>().Should().Be("second");
        body["enabled"]!.GetValue<bool>().Should().BeTrue();
        after.Headers.ETag!.Tag.Should().Be(current);

        using var ok = await Send(HttpMethod.Delete, "destinations/d1", current);
        ok.StatusCode.Should().Be(HttpStatusCode.NoContent);
    }

    [Test]
    public async Task EnableDisable_ResetFailuresAndKeepTheReason()
    {
        await _host.Admin.CreateAsync(ApiTestHost.Destination(_receiver.Url(), id: "d1"));

        using var disable = await _host.Admin.PostJsonAsync("destinations/d1/disable", new { reason = "maintenance" });
        var disabled = await disable.ReadJsonAsync();
        disabled["enabled"]!.GetValue<bool>().Should().BeFalse();
        disabled["disabledReason"]!.GetValue<string>().Should().Be("maintenance");

        using var enable = await _host.Admin.PostAsync("destinations/d1/enable", null);
        var enabled = await enable.ReadJsonAsync();
        enabled["enabled"]!.GetValue<bool>().Should().BeTrue();
        enabled["consecutiveFailures"]!.GetValue<int>().Should().Be(0);
        enabled["disabledReason"].Should().BeNull();
    }

    [Test]
    public async Task Enable_AfterFailures_ResetsTheFailureCounter()
    {
        _receiver.DefaultResponse = ReceiverResponse.Status(500);
        var definition = ApiTestHost.Destination(_receiver.Url(), id: "d1");
        definition["retryCount"] = 0;
        await _host.Admin.CreateAsync(definition);
        using (await _host.Admin.PostJsonAsync("events", new { type = "order.created", destinationIds = new[] { "d1" } }))
        {
        }

        await WaitUntilAsync(async () => (await (await _host.Admin.GetAsync("destinations/d1")).ReadJsonAsync())["consecutiveFailures"]!.GetValue<int>() > 0);

        using var enable = await _host.Admin.PostAsync("destinations/d1/enable", null);
        (await enable.ReadJsonAsync())["consecutiveFailures"]!.GetValue<int>().Should().Be(0);
    }

    [Test]
    public async Task Delete_Existing_Answers204AndTheDestinationIsGone()
    {
        await _host.Admin.CreateAsync(ApiTestHost.Destination(_receiver.Url(), id: "d1"));

        using var delete = await _host.Admin.DeleteAsync("destinations/d1");
        using var get = await _host.Admin.GetAsync("destinations/d1");

        delete.StatusCode.Should().Be(HttpStatusCode.NoContent);
        get.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task RotateSecret_HmacDestination_ReturnsTheNewSecretOnceAndSignsWithIt()
    {
        await _host.Admin.CreateAsync(ApiTestHost.Destination(_receiver.Url(), id: "d1", auth: new { kind = "hmac", secret = "whsec_" + Convert.ToBase64String(new byte[32]) }));

        using var rotate = await _host.Admin.PostJsonAsync("destinations/d1/secret/rotate", new { overlap = "00:00:00" });

        rotate.StatusCode.Should().Be(HttpStatusCode.OK);
        rotate.Headers.CacheControl!.NoStore.Should().BeTrue();
        var body = await rotate.ReadJsonAsync();
        var newSecret = body["newSecret"]!.GetValue<string>();
        newSecret.Should().StartWith("whsec_");
        body["destination"]!["id"]!.GetValue<string>().Should().Be("d1");

        using var get = await _host.Admin.GetAsync("destinations/d1");
        (await get.Content.ReadAsStringAsync()).Should().NotContain(newSecret);
        using (await _host.Admin.PostAsync("destinations/d1/test", null))
        {
        }

        var received = _receiver.Requests.Single();
        var verify = () => new StandardWebhooksVerifier(newSecret).Verify(received.Header("webhook-id"), received.Header("webhook-timestamp"), received.Header("webhook-signature"), received.Body);
        verify.Should().NotThrow();
    }

    [Test]
    public async Task RotateSecret_DestinationThatDoesNotSign_Answers409()
    {
        await _host.Admin.CreateAsync(ApiTestHost.Destination(_receiver.Url(), id: "d1"));

        using var rotate = await _host.Admin.PostAsync("destinations/d1/secret/rotate", null);

        rotate.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await rotate.ReadJsonAsync())["detail"]!.GetValue<string>().Should().Contain("only HMAC signing secrets rotate");
    }

    [Test]
    public async Task List_MoreThanOnePage_WalksEveryDestinationNewestFirstWithTheCursor()
    {
        for (var i = 0; i < 7; i++)
        {
            await _host.Admin.CreateAsync(ApiTestHost.Destination(_receiver.Url(), id: $"d{i}"));
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            using var response = await _host.Admin.GetAsync("destinations?limit=3" + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor)));
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            var page = await response.ReadJsonAsync();
            seen.AddRange(page["data"]!.AsArray().Select(d => d!["id"]!.GetValue<string>()));
            cursor = page["nextCursor"]?.GetValue<string>();
            pages++;
        }
        while (cursor is not null && pages < 10);

        pages.Should().Be(3);
        seen.Should().Equal("d6", "d5", "d4", "d3", "d2", "d1", "d0");
    }

    [Test]
    public async Task EventTypesFormatsTemplates_ListTheCatalogue()
    {
        using var types = await _host.Viewer.GetAsync("event-types");
        var typeList = (await types.ReadJsonAsync())["data"]!.AsArray();
        typeList.Select(t => t!["name"]!.GetValue<string>()).Should().Equal("order.cancelled", "order.created");
        typeList[1]!["description"]!.GetValue<string>().Should().Be("An order was placed.");
        typeList[1]!["example"]!["orderId"]!.GetValue<int>().Should().Be(42);

        using var formats = await _host.Viewer.GetAsync("formats");
        var formatList = (await formats.ReadJsonAsync())["data"]!.AsArray();
        formatList.Select(f => f!["name"]!.GetValue<string>()).Should().Contain(["json", "slack", "pagerduty", "jira"]);
        var routingKey = formatList.Single(f => f!["name"]!.GetValue<string>() == "pagerduty")!["settings"]!.AsArray().Single(s => s!["name"]!.GetValue<string>() == "routingKey")!;
        routingKey["required"]!.GetValue<bool>().Should().BeTrue();
        routingKey["secret"]!.GetValue<bool>().Should().BeTrue();

        using var templates = await _host.Viewer.GetAsync("templates");
        var templateList = (await templates.ReadJsonAsync())["data"]!.AsArray();
        templateList.Select(t => t!["name"]!.GetValue<string>()).Should().BeEquivalentTo(WebhookTemplates.BuiltIn.Keys);
        templateList.Single(t => t!["name"]!.GetValue<string>() == "basic")!["body"]!.GetValue<string>().Should().Be(WebhookTemplates.Basic);
    }

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("The condition was not met within 10 s.");
            }

            await Task.Delay(20);
        }
    }

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string ifMatch)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return _host.Admin.SendAsync(request);
    }
}

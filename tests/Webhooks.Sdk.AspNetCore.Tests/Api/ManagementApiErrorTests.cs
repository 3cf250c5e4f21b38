using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Webhooks.Sdk.AspNetCore.Api;
using Webhooks.Sdk.Testing;

namespace Webhooks.Sdk.AspNetCore.Tests.Api;

/// <summary>Every error shape is RFC 9457 problem details, and nothing is stored when a request fails.</summary>
public class ManagementApiErrorTests
{
    private LocalWebhookReceiver _receiver = null!;
    private ApiTestHost _host = null!;

    [SetUp]
    public async Task SetUp()
    {
        _receiver = await LocalWebhookReceiver.StartAsync();
        _host = await ApiTestHost.StartAsync(o => o.MaxDestinationsPerTenant = 2, api => api.MaxRequestBodyBytes = 4096);
    }

    [TearDown]
    public async Task TearDown()
    {
        await _host.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Test]
    public async Task Post_InvalidDefinition_Answers400NamingEveryFieldInTheLibrarysWords()
    {
        var body = new JsonObject
        {
            ["name"] = string.Empty,
            ["url"] = "not a url",
            ["method"] = "GET",
            ["retryCount"] = 99,
            ["attemptTimeout"] = "00:01:00",
            ["headers"] = new JsonObject { ["Content-Type"] = "text/plain" },
        };

        using var response = await _host.Admin.PostJsonAsync("destinations", body);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = await response.ReadJsonAsync();
        problem["type"]!.GetValue<string>().Should().Be(ApiProblems.Types.Validation);
        problem["status"]!.GetValue<int>().Should().Be(400);
        var errors = problem["errors"]!.AsObject().ToDictionary(e => e.Key, e => e.Value!.AsArray().Select(m => m!.GetValue<string>()).ToArray());

        var library = _host.Services.GetRequiredService<IWebhookDestinationManager>();
        var thrown = Assert.ThrowsAsync<WebhookValidationException>(() => library.CreateAsync(JsonSerializer.Deserialize<WebhookDestinationDefinition>(body.ToJsonString(), ApiJson.Options)!))!;
        var expected = thrown.Errors.GroupBy(e => ApiProblems.FieldName(e.Field)).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray());
        errors.Should().BeEquivalentTo(expected);
        errors.Keys.Should().BeEquivalentTo("name", "url", "method", "retryCount", "attemptTimeout", "headers[Content-Type]");
        await ShouldHaveNoDestinationsAsync();
    }

    [Test]
    public async Task Post_UrlInAPrivateNetwork_Answers400NamingTheRule()
    {
        using var response = await _host.Admin.PostJsonAsync("destinations", new { name = "x", url = "https://10.1.2.3/hook" });

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var problem = await response.ReadJsonAsync();
        problem["type"]!.GetValue<string>().Should().Be(ApiProblems.Types.UrlRefused);
        problem["rule"]!.GetValue<string>().Should().Be(WebhookUrlRules.Private);
        problem["errors"]!["url"]![0]!.GetValue<string>().Should().StartWith("refused by rule 'private'");
        await ShouldHaveNoDestinationsAsync();
    }

    [Test]
    public async Task TestDraft_UrlOfTheMetadataService_Answers400NamingTheRuleAndSendsNothing()
    {
        using var response = await _host.Admin.PostJsonAsync("destinations/test", new { name = "x", url = "http://169.254.169.254/latest" });

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync())["rule"]!.GetValue<string>().Should().Be(WebhookUrlRules.LinkLocal);
    }

    [Test]
    public async Task UnknownIds_Answer404Problem()
    {
        var requests = new[]
        {
            new HttpRequestMessage(HttpMethod.Get, "destinations/nope"),
            new HttpRequestMessage(HttpMethod.Put, "destinations/nope") { Content = ApiHttp.Json(new { name = "x", url = _receiver.Url().ToString() }) },
            new HttpRequestMessage(HttpMethod.Patch, "destinations/nope") { Content = ApiHttp.Json(new { name = "x" }, "application/merge-patch+json") },
            new HttpRequestMessage(HttpMethod.Delete, "destinations/nope"),
            new HttpRequestMessage(HttpMethod.Post, "destinations/nope/enable"),
            new HttpRequestMessage(HttpMethod.Post, "destinations/nope/disable"),
            new HttpRequestMessage(HttpMethod.Post, "destinations/nope/test"),
            new HttpRequestMessage(HttpMethod.Post, "destinations/nope/secret/rotate"),
            new HttpRequestMessage(HttpMethod.Get, "destinations/nope/deliveries"),
            new HttpRequestMessage(HttpMethod.Get, "destinations/nope/stats"),
            new HttpRequestMessage(HttpMethod.Post, "destinations/nope/replay") { Content = ApiHttp.Json(new { since = DateTimeOffset.UtcNow }) },
            new HttpRequestMessage(HttpMethod.Get, "deliveries/nope"),
            new HttpRequestMessage(HttpMethod.Post, "deliveries/nope/redeliver"),
            new HttpRequestMessage(HttpMethod.Post, "events") { Content = ApiHttp.Json(new { type = "order.created", destinationIds = new[] { "nope" } }) },
        };

        foreach (var request in requests)
        {
            using var response = await _host.Admin.SendAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.NotFound, $"{request.Method} {request.RequestUri}");
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            (await response.ReadJsonAsync())["type"]!.GetValue<string>().Should().Be(ApiProblems.Types.NotFound);
        }
    }

    [Test]
    public async Task Post_TenantAtItsLimit_Answers409AndStoresNothing()
    {
        await _host.Admin.CreateAsync(ApiTestHost.Destination(_receiver.Url(), id: "a"));
        await _host.Admin.CreateAsync(ApiTestHost.Destination(_receiver.Url(), id: "b"));

        using var response = await _host.Admin.PostJsonAsync("destinations", ApiTestHost.Destination(_receiver.Url(), id: "c"));

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        var problem = await response.ReadJsonAsync();
        problem["type"]!.GetValue<string>().Should().Be(ApiProblems.Types.TenantLimit);
        problem["detail"]!.GetValue<string>().Should().Contain("MaxDestinationsPerTenant");
        using var get = await _host.Admin.GetAsync("destinations/c");
        get.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Post_NotJson_Answers400SayingWhere()
    {
        using var response = await _host.Admin.PostAsync("destinations", new StringContent("{\"name\": \"x\",\n \"url\": oops}", Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var problem = await response.ReadJsonAsync();
        problem["type"]!.GetValue<string>().Should().Be(ApiProblems.Types.InvalidBody);
        problem["detail"]!.GetValue<string>().Should().Contain("not valid JSON").And.Contain("line 2");
        await ShouldHaveNoDestinationsAsync();
    }

    [Test]
    public async Task Post_UnknownFields_Answers400NamingEachField()
    {
        using var top = await _host.Admin.PostJsonAsync("destinations", new { name = "x", url = _receiver.Url().ToString(), colour = "red" });
        using var nested = await _host.Admin.PostJsonAsync("destinations", new { name = "x", url = _receiver.Url().ToString(), auth = new { kind = "bearer", tokn = "x" } });
        using var kind = await _host.Admin.PostJsonAsync("destinations", new { name = "x", url = _receiver.Url().ToString(), auth = new { kind = "carrier-pigeon" } });
        using var type = await _host.Admin.PostJsonAsync("destinations", new { name = "x", url = _receiver.Url().ToString(), retryCount = "three" });

        top.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await top.ReadJsonAsync())["errors"]!["colour"]![0]!.GetValue<string>().Should().Be("is not a known field");
        (await nested.ReadJsonAsync())["errors"]!["auth.tokn"]![0]!.GetValue<string>().Should().Be("is not a known field");
        (await kind.ReadJsonAsync())["errors"]!["auth.kind"].Should().NotBeNull();
        (await type.ReadJsonAsync())["errors"]!["retryCount"]![0]!.GetValue<string>().Should().Contain("expected a number");
        await ShouldHaveNoDestinationsAsync();
    }

    [Test]
    public async Task PostEvents_WithoutType_Answers400NamingType()
    {
        using var response = await _host.Admin.PostJsonAsync("events", new { data = new { a = 1 } });

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync())["errors"]!["type"]![0]!.GetValue<string>().Should().Be("is required");
    }

    [Test]
    public async Task WrongContentType_Answers415()
    {
        using var post = await _host.Admin.PostAsync("destinations", new StringContent("name=x", Encoding.UTF8, "application/x-www-form-urlencoded"));
        await _host.Admin.CreateAsync(ApiTestHost.Destination(_receiver.Url(), id: "d1"));
        using var patch = await _host.Admin.PatchJsonAsync("destinations/d1", new { name = "y" }, contentType: "application/xml");

        foreach (var response in new[] { post, patch })
        {
            response.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
            var problem = await response.ReadJsonAsync();
            problem["type"]!.GetValue<string>().Should().Be(ApiProblems.Types.UnsupportedMediaType);
            problem["detail"]!.GetValue<string>().Should().Contain("application/json");
        }

        (await (await _host.Admin.GetAsync("destinations/d1")).ReadJsonAsync())["name"]!.GetValue<string>().Should().Be("orders");
    }

    [Test]
    public async Task BodyOverTheConfiguredLimit_Answers413WithOrWithoutContentLength()
    {
        var big = new { name = "x", url = _receiver.Url().ToString(), bodyTemplate = new string('a', 5000) };
        using var sized = await _host.Admin.PostJsonAsync("destinations", big);
        using var chunked = await _host.Admin.PostAsync("destinations", new StreamContent(new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(big)))
        {
            Headers = { ContentType = new("application/json") },
        });

        foreach (var response in new[] { sized, chunked })
        {
            response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
            (await response.ReadJsonAsync())["detail"]!.GetValue<string>().Should().Contain("4096 bytes");
        }

        await ShouldHaveNoDestinationsAsync();
    }

    [Test]
    public async Task Query_InvalidParameters_Answers400NamingEveryOne()
    {
        await _host.Admin.CreateAsync(ApiTestHost.Destination(_receiver.Url(), id: "d1"));

        using var response = await _host.Admin.GetAsync("destinations/d1/deliveries?limit=0&statusClass=9xx&since=yesterday&status=lost");
        using var cursor = await _host.Admin.GetAsync("destinations?cursor=bm9wZQ");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync())["errors"]!.AsObject().Select(e => e.Key).Should().BeEquivalentTo("limit", "statusClass", "since", "status");
        cursor.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await cursor.ReadJsonAsync())["errors"]!["cursor"].Should().NotBeNull();
    }

    [Test]
    public async Task Redeliver_PendingDelivery_Answers409()
    {
        _receiver.DefaultResponse = ReceiverResponse.Status(503);
        await _host.Admin.CreateAsync(ApiTestHost.Destination(_receiver.Url(), id: "d1"));
        using var publish = await _host.Admin.PostJsonAsync("events", new { type = "order.created" });
        var deliveryId = (await publish.ReadJsonAsync())["deliveries"]![0]!["deliveryId"]!.GetValue<string>();

        using var redeliver = await _host.Admin.PostAsync($"deliveries/{deliveryId}/redeliver", null);

        redeliver.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await redeliver.ReadJsonAsync())["detail"]!.GetValue<string>().Should().Contain("still pending");
    }

    [Test]
    public async Task SendToDisabledDestination_Answers409AndQueuesNothing()
    {
        await _host.Admin.CreateAsync(ApiTestHost.Destination(_receiver.Url(), id: "d1"));
        using (await _host.Admin.PostAsync("destinations/d1/disable", null))
        {
        }

        using var publish = await _host.Admin.PostJsonAsync("events", new { type = "order.created", destinationIds = new[] { "d1" } });
        using var history = await _host.Admin.GetAsync("destinations/d1/deliveries");

        publish.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await history.ReadJsonAsync())["data"]!.AsArray().Should().BeEmpty();
    }

    private async Task ShouldHaveNoDestinationsAsync()
    {
        using var list = await _host.Admin.GetAsync("destinations");
        (await list.ReadJsonAsync())["data"]!.AsArray().Should().BeEmpty("nothing is stored when a request fails");
    }
}

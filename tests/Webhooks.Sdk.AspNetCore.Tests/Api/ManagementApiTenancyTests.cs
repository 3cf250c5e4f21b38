using System.Net;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using NUnit.Framework;
using Webhooks.Sdk.Testing;

namespace Webhooks.Sdk.AspNetCore.Tests.Api;

/// <summary>The tenant comes from the request (claim or route value), never from the body, and tenants never see each other.</summary>
public class ManagementApiTenancyTests
{
    private LocalWebhookReceiver _receiver = null!;

    [SetUp]
    public async Task SetUp() => _receiver = await LocalWebhookReceiver.StartAsync();

    [TearDown]
    public async Task TearDown() => await _receiver.DisposeAsync();

    [Test]
    public async Task OtherTenant_CannotSeeOrTouchDestinationsOrDeliveries()
    {
        await using var host = await ApiTestHost.StartAsync();
        await host.AcmeAdmin.CreateAsync(ApiTestHost.Destination(_receiver.Url("/acme"), id: "acme-hook"));
        using var test = await host.AcmeAdmin.PostAsync("destinations/acme-hook/test", null);
        var deliveryId = (await test.ReadJsonAsync())["deliveryId"]!.GetValue<string>();
        var before = _receiver.Requests.Count;

        var requests = new[]
        {
            new HttpRequestMessage(HttpMethod.Get, "destinations/acme-hook"),
            new HttpRequestMessage(HttpMethod.Put, "destinations/acme-hook") { Content = ApiHttp.Json(new { name = "x", url = _receiver.Url().ToString() }) },
            new HttpRequestMessage(HttpMethod.Patch, "destinations/acme-hook") { Content = ApiHttp.Json(new { name = "x" }, "application/merge-patch+json") },
            new HttpRequestMessage(HttpMethod.Post, "destinations/acme-hook/enable"),
            new HttpRequestMessage(HttpMethod.Post, "destinations/acme-hook/disable"),
            new HttpRequestMessage(HttpMethod.Post, "destinations/acme-hook/test"),
            new HttpRequestMessage(HttpMethod.Post, "destinations/acme-hook/secret/rotate"),
            new HttpRequestMessage(HttpMethod.Get, "destinations/acme-hook/deliveries"),
            new HttpRequestMessage(HttpMethod.Get, "destinations/acme-hook/stats"),
            new HttpRequestMessage(HttpMethod.Post, "destinations/acme-hook/replay") { Content = ApiHttp.Json(new { since = DateTimeOffset.UtcNow.AddDays(-1) }) },
            new HttpRequestMessage(HttpMethod.Get, $"deliveries/{deliveryId}"),
            new HttpRequestMessage(HttpMethod.Post, $"deliveries/{deliveryId}/redeliver"),
            new HttpRequestMessage(HttpMethod.Post, "events") { Content = ApiHttp.Json(new { type = "order.created", destinationIds = new[] { "acme-hook" } }) },
            new HttpRequestMessage(HttpMethod.Delete, "destinations/acme-hook"),
        };
        foreach (var request in requests)
        {
            using var response = await host.Admin.SendAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.NotFound, $"{request.Method} {request.RequestUri} from the default tenant");
        }

        using var list = await host.Admin.GetAsync("destinations");
        (await list.ReadJsonAsync())["data"]!.AsArray().Should().BeEmpty();
        using var fanOut = await host.Admin.PostJsonAsync("events", new { type = "order.created" });
        (await fanOut.ReadJsonAsync())["deliveries"]!.AsArray().Should().BeEmpty();

        using var own = await host.AcmeViewer.GetAsync("destinations/acme-hook");
        var body = await own.ReadJsonAsync();
        body["name"]!.GetValue<string>().Should().Be("orders", "nothing the other tenant sent changed it");
        body["enabled"]!.GetValue<bool>().Should().BeTrue();
        body["tenantId"]!.GetValue<string>().Should().Be("acme");
        _receiver.Requests.Should().HaveCount(before, "nothing was sent for the other tenant");
    }

    [Test]
    public async Task SameIdInTwoTenants_AreTwoDestinations()
    {
        await using var host = await ApiTestHost.StartAsync();
        await host.AcmeAdmin.CreateAsync(ApiTestHost.Destination(_receiver.Url(), id: "hook", name: "acme's"));
        await host.Admin.CreateAsync(ApiTestHost.Destination(_receiver.Url(), id: "hook", name: "default's"));

        using var acme = await host.AcmeViewer.GetAsync("destinations/hook");
        using var mine = await host.Viewer.GetAsync("destinations/hook");

        (await acme.ReadJsonAsync())["name"]!.GetValue<string>().Should().Be("acme's");
        (await mine.ReadJsonAsync())["name"]!.GetValue<string>().Should().Be("default's");
    }

    [Test]
    public async Task Body_NamingATenant_IsRefusedAsAnUnknownField()
    {
        await using var host = await ApiTestHost.StartAsync();
        var definition = ApiTestHost.Destination(_receiver.Url(), id: "hook");
        definition["tenantId"] = "acme";

        using var response = await host.Admin.PostJsonAsync("destinations", definition);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync())["errors"]!["tenantId"]![0]!.GetValue<string>().Should().Be("is not a known field");
        using var acme = await host.AcmeViewer.GetAsync("destinations/hook");
        acme.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task RouteValueTenant_EachAccountSeesOnlyItsOwn()
    {
        var app = ApiTestHost.Build(null);
        app.MapWebhooksApi("/accounts/{accountId}/webhooks", o => o.UseRouteValueTenant("accountId"));
        await app.StartAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            client.DefaultRequestHeaders.Authorization = new("Bearer", "admin-token");
            using var create = await client.PostJsonAsync("/accounts/a1/webhooks/destinations", ApiTestHost.Destination(_receiver.Url(), id: "hook"));
            create.StatusCode.Should().Be(HttpStatusCode.Created);
            create.Headers.Location!.ToString().Should().Be("/accounts/a1/webhooks/destinations/hook");

            using var own = await client.GetAsync("/accounts/a1/webhooks/destinations/hook");
            using var other = await client.GetAsync("/accounts/a2/webhooks/destinations/hook");

            own.StatusCode.Should().Be(HttpStatusCode.OK);
            (await own.ReadJsonAsync())["tenantId"]!.GetValue<string>().Should().Be("a1");
            other.StatusCode.Should().Be(HttpStatusCode.NotFound);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}

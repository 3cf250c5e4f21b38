using System.Net;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Webhooks.Sdk.Testing;

namespace Webhooks.Sdk.AspNetCore.Tests.Api;

/// <summary>Who may call what: readers read, writers also write, nobody without credentials, and the route table is complete.</summary>
public class ManagementApiAuthorizationTests
{
    /// <summary>Every route of the API ({id} is a destination, {delivery} a delivery), and whether it writes.</summary>
    internal static readonly (string Method, string Path, bool Write)[] Routes =
    [
        ("GET", "destinations", false),
        ("POST", "destinations", true),
        ("GET", "destinations/{id}", false),
        ("PUT", "destinations/{id}", true),
        ("PATCH", "destinations/{id}", true),
        ("DELETE", "destinations/{id}", true),
        ("POST", "destinations/{id}/enable", true),
        ("POST", "destinations/{id}/disable", true),
        ("POST", "destinations/{id}/test", true),
        ("POST", "destinations/test", true),
        ("POST", "destinations/filter/test", false),
        ("POST", "destinations/{id}/secret/rotate", true),
        ("GET", "destinations/{id}/deliveries", false),
        ("GET", "destinations/{id}/stats", false),
        ("POST", "destinations/{id}/replay", true),
        ("GET", "deliveries/{delivery}", false),
        ("POST", "deliveries/{delivery}/redeliver", true),
        ("GET", "event-types", false),
        ("GET", "formats", false),
        ("GET", "templates", false),
        ("POST", "events", true),
        ("GET", "openapi.json", false),
    ];

    private LocalWebhookReceiver _receiver = null!;
    private ApiTestHost _host = null!;
    private string _deliveryId = null!;

    [SetUp]
    public async Task SetUp()
    {
        _receiver = await LocalWebhookReceiver.StartAsync();
        _host = await ApiTestHost.StartAsync();
        await _host.Admin.CreateAsync(ApiTestHost.Destination(_receiver.Url(), id: "d1", auth: new { kind = "hmac", secret = "whsec_" + Convert.ToBase64String(new byte[32]) }));
        using var test = await _host.Admin.PostAsync("destinations/d1/test", null);
        _deliveryId = (await test.ReadJsonAsync())["deliveryId"]!.GetValue<string>();
    }

    [TearDown]
    public async Task TearDown()
    {
        await _host.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Test]
    public void Routes_TableOfTheTests_IsEveryMappedRoute()
    {
        var mapped = _host.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {e.RoutePattern.RawText}"))
            .Where(r => r.Contains(ApiTestHost.Prefix, StringComparison.Ordinal))
            .Select(r => r.Replace(ApiTestHost.Prefix + "/", string.Empty, StringComparison.Ordinal))
            .ToHashSet();

        mapped.Should().BeEquivalentTo(Routes.Select(r => $"{r.Method} {r.Path.Replace("{delivery}", "{id}", StringComparison.Ordinal)}"));
    }

    [Test]
    public async Task WriteRoutes_Reader_Get403AndChangeNothing()
    {
        foreach (var route in Routes.Where(r => r.Write))
        {
            using var response = await _host.Viewer.SendAsync(Request(route));
            response.StatusCode.Should().Be(HttpStatusCode.Forbidden, $"{route.Method} {route.Path} is a write");
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        }

        using var get = await _host.Admin.GetAsync("destinations/d1");
        get.StatusCode.Should().Be(HttpStatusCode.OK);
        (await get.ReadJsonAsync())["enabled"]!.GetValue<bool>().Should().BeTrue();
        _receiver.Requests.Should().HaveCount(1, "only the set-up test reached the receiver");
    }

    [Test]
    public async Task ReadRoutes_Reader_Get200()
    {
        foreach (var route in Routes.Where(r => !r.Write))
        {
            using var response = await _host.Viewer.SendAsync(Request(route));
            response.StatusCode.Should().Be(HttpStatusCode.OK, $"{route.Method} {route.Path} is a read");
        }
    }

    [Test]
    public async Task EveryRoute_NoCredentials_Get401()
    {
        foreach (var route in Routes)
        {
            using var response = await _host.Anonymous.SendAsync(Request(route));
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, $"{route.Method} {route.Path}");
        }
    }

    [Test]
    public async Task EveryRoute_UnknownToken_Gets401()
    {
        using var client = _host.Client("not-a-token");
        foreach (var route in Routes)
        {
            using var response = await client.SendAsync(Request(route));
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, $"{route.Method} {route.Path}");
        }
    }

    [Test]
    public async Task MapWebhooksApi_DangerouslyAllowAnonymous_ServesWithoutCredentials()
    {
        var app = ApiTestHost.Build(null, policies: false);
        app.MapWebhooksApi(ApiTestHost.Prefix, o => o.DangerouslyAllowAnonymous = true);
        await app.StartAsync();
        try
        {
            var address = app.Urls.First();
            using var client = new HttpClient { BaseAddress = new Uri(address + ApiTestHost.Prefix + "/") };
            using var response = await client.GetAsync("destinations");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Test]
    public async Task MapWebhooksApi_PoliciesMissing_FailsAtMappingNamingThem()
    {
        await using var app = ApiTestHost.Build(null, policies: false);

        var act = () => app.MapWebhooksApi();

        act.Should().Throw<InvalidOperationException>().WithMessage("*'Webhooks.Read'*'Webhooks.Write'*");
    }

    [Test]
    public async Task MapWebhooksApi_WithoutAddWebhooksApi_FailsSayingWhatToCall()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddAuthorization(o =>
        {
            o.AddPolicy("Webhooks.Read", p => p.RequireAuthenticatedUser());
            o.AddPolicy("Webhooks.Write", p => p.RequireAuthenticatedUser());
        });
        builder.Services.AddWebhooks();
        await using var app = builder.Build();

        var act = () => app.MapWebhooksApi();

        act.Should().Throw<InvalidOperationException>().WithMessage("*AddWebhooksApi*");
    }

    private HttpRequestMessage Request((string Method, string Path, bool Write) route)
    {
        var path = route.Path.Replace("{id}", "d1", StringComparison.Ordinal).Replace("{delivery}", _deliveryId, StringComparison.Ordinal);
        var request = new HttpRequestMessage(new HttpMethod(route.Method), path);
        if (route.Method is "POST" or "PUT" or "PATCH")
        {
            object body = route.Path switch
            {
                "destinations" or "destinations/test" or "destinations/{id}" => new { name = "x", url = _receiver.Url().ToString() },
                "destinations/{id}/replay" => new { since = DateTimeOffset.UtcNow.AddDays(-1) },
                "destinations/filter/test" => new { filter = new { }, @event = new { type = "order.created" } },
                "events" => new { type = "order.created" },
                _ => new { },
            };
            request.Content = ApiHttp.Json(body, route.Method == "PATCH" ? "application/merge-patch+json" : "application/json");
        }

        return request;
    }
}

using System.Net;
using System.Text.Json.Nodes;
using FluentAssertions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace Webhooks.Sdk.AspNetCore.Tests.Api;

/// <summary>The OpenAPI document served under the prefix describes every mapped route, its body and its errors.</summary>
public class ManagementApiOpenApiTests
{
    [Test]
    public async Task OpenApiDocument_DescribesEveryMappedRoute()
    {
        await using var host = await ApiTestHost.StartAsync();
        using var response = await host.Viewer.GetAsync("openapi.json");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var document = await response.ReadJsonAsync();
        var paths = document["paths"]!.AsObject();

        var mapped = host.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith(ApiTestHost.Prefix, StringComparison.Ordinal) && !e.RoutePattern.RawText.EndsWith("openapi.json", StringComparison.Ordinal))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => (Method: m.ToLowerInvariant(), Path: e.RoutePattern.RawText!)))
            .ToList();

        mapped.Should().HaveCount(ManagementApiAuthorizationTests.Routes.Length - 1);
        foreach (var (method, path) in mapped)
        {
            paths[path]?[method].Should().NotBeNull($"{method} {path} is mapped");
            var operation = paths[path]![method]!;
            operation["operationId"].Should().NotBeNull();
            operation["summary"].Should().NotBeNull();
            operation["responses"]!.AsObject().Should().NotBeEmpty();
        }

        paths.Select(p => p.Key).Should().OnlyContain(p => p.StartsWith(ApiTestHost.Prefix, StringComparison.Ordinal));
    }

    [Test]
    public async Task OpenApiDocument_DescribesBodiesAndErrorResponses()
    {
        await using var host = await ApiTestHost.StartAsync();
        using var response = await host.Viewer.GetAsync("openapi.json");
        var document = await response.ReadJsonAsync();

        var create = document["paths"]!["/api/webhooks/destinations"]!["post"]!;
        create["requestBody"]!["content"]!["application/json"]!["schema"]!["properties"]!["url"].Should().NotBeNull();
        create["requestBody"]!["required"]!.GetValue<bool>().Should().BeTrue();
        create["responses"]!.AsObject().Select(r => r.Key).Should().Contain(["201", "400", "409", "413", "415"]);
        create["responses"]!["409"]!["content"]!["application/problem+json"].Should().NotBeNull();

        var patch = document["paths"]!["/api/webhooks/destinations/{id}"]!["patch"]!;
        patch["requestBody"]!["content"]!["application/merge-patch+json"].Should().NotBeNull();
        patch["responses"]!.AsObject().Select(r => r.Key).Should().Contain(["200", "400", "404", "412"]);

        var history = document["paths"]!["/api/webhooks/destinations/{id}/deliveries"]!["get"]!;
        var parameters = history["parameters"]!.AsArray().ToDictionary(p => p!["name"]!.GetValue<string>(), p => p!);
        parameters.Keys.Should().Contain(["id", "status", "eventType", "since", "until", "statusClass", "limit", "cursor"]);
        parameters["limit"]["schema"]!["type"]!.GetValue<string>().Should().Be("integer");
        parameters["since"]["schema"]!["format"]!.GetValue<string>().Should().Be("date-time");
        parameters["statusClass"]["schema"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()).Should().Equal("2xx", "4xx", "5xx", "none");

        JsonNode? schemas = document["components"]?["schemas"];
        schemas.Should().NotBeNull();
        schemas!.AsObject().Select(s => s.Key).Should().Contain(["WebhookDestination", "WebhookDeliveryDetails", "HttpValidationProblemDetails"]);
    }

    [Test]
    public async Task OpenApiDocument_NoCredentials_Answers401()
    {
        await using var host = await ApiTestHost.StartAsync();

        using var response = await host.Anonymous.GetAsync("openapi.json");

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }
}

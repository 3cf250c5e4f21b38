using System.Net;
using System.Text.Json.Nodes;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Testing;

namespace Webhooks.Sdk.AspNetCore.Tests.Api;

/// <summary>Payload filters through the API: POST /destinations/filter/test and the filter on a destination.</summary>
public class ManagementApiFilterTests
{
    private ApiTestHost _host = null!;

    [SetUp]
    public async Task SetUp() => _host = await ApiTestHost.StartAsync();

    [TearDown]
    public async Task TearDown() => await _host.DisposeAsync();

    private static JsonObject Body(string filter, object data) => new()
    {
        ["filter"] = JsonNode.Parse(filter),
        ["event"] = new JsonObject { ["type"] = "scan.finding", ["data"] = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(data)) },
    };

    [Test]
    public async Task PostFilterTest_MatchingAndNot_AnswersWithReasons()
    {
        using var match = await _host.Viewer.PostJsonAsync("destinations/filter/test", Body("""{"data.severity": {"$in": ["critical", "high"]}}""", new { severity = "high" }));
        match.StatusCode.Should().Be(HttpStatusCode.OK);
        var yes = await match.ReadJsonAsync();
        yes["matches"]!.GetValue<bool>().Should().BeTrue();
        yes["reasons"]!.AsArray().Should().BeEmpty();

        using var miss = await _host.Viewer.PostJsonAsync("destinations/filter/test", Body("""{"data.severity": {"$in": ["critical", "high"]}}""", new { severity = "low" }));
        var no = await miss.ReadJsonAsync();
        no["matches"]!.GetValue<bool>().Should().BeFalse();
        no["reasons"]!.AsArray().Select(r => r!.GetValue<string>()).Should().ContainSingle().Which.Should().Contain("but it is \"low\"");
    }

    [Test]
    public async Task PostFilterTest_InvalidFilter_Answers400WithEveryPosition()
    {
        using var response = await _host.Viewer.PostJsonAsync("destinations/filter/test", Body("""{"$or": [{"nope": 1}, {"data.x": {"$gt": true}}]}""", new { }));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var problem = await response.ReadJsonAsync();
        var fields = problem["errors"]!.AsObject().Select(p => p.Key).ToList();
        fields.Should().HaveCount(2);
        fields.Should().Contain(f => f.EndsWith("/$or/0/nope", StringComparison.Ordinal));
        fields.Should().Contain(f => f.EndsWith("/$or/1/data.x/$gt", StringComparison.Ordinal));
    }

    [Test]
    public async Task PostDestination_WithFilter_IsSavedAndReadBack()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var definition = ApiTestHost.Destination(receiver.Url(), id: "filtered");
        definition["filter"] = JsonNode.Parse("""{"data.repository": "acme/api"}""");

        var created = await _host.Admin.CreateAsync(definition);

        created["filter"]!["data.repository"]!.GetValue<string>().Should().Be("acme/api");
        using var get = await _host.Admin.GetAsync("destinations/filtered");
        (await get.ReadJsonAsync())["filter"]!["data.repository"]!.GetValue<string>().Should().Be("acme/api");
    }
}

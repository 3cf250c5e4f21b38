using System.Text.Json;
using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;
using Webhooks.Sdk.Routing.Filters;
using Webhooks.Sdk.Testing;

namespace Webhooks.Sdk.Transports.Tests.Filters;

public class EventFilterTests
{
    private static readonly WebhookEvent Finding = new()
    {
        Id = "evt_1",
        Type = "scan.finding",
        Title = "SQL injection in /login",
        Summary = "A critical finding",
        Severity = WebhookSeverity.Critical,
        Source = "scanner-7",
        Metadata = new Dictionary<string, string> { ["actor"] = "ci-bot" },
        Data = JsonSerializer.SerializeToElement(new
        {
            severity = "high",
            repository = "acme/api",
            count = 7,
            score = 9.5,
            fixable = true,
            note = (string?)null,
            tags = new[] { "sqli", "owasp" },
            findings = new[] { new { id = "f1", cvss = 9.8 }, new { id = "f2", cvss = 4.1 } },
            owner = new { team = "payments", oncall = "ana" },
        }),
    };

    /// <summary>A resolver for the public names the save tests use; nothing connects to them.</summary>
    private static ScriptedDnsResolver PublicDns() => new ScriptedDnsResolver().Answer("hooks.example.com", "93.184.216.34");

    private static bool Matches(string filter, WebhookEvent? evt = null)
    {
        var errors = new List<WebhookValidationError>();
        var compiled = EventFilter.Compile(JsonDocument.Parse(filter).RootElement, "Filter", errors);
        errors.Should().BeEmpty();
        return compiled!.Matches(evt ?? Finding);
    }

    private static List<WebhookValidationError> Errors(string filter)
    {
        var errors = new List<WebhookValidationError>();
        EventFilter.Compile(JsonDocument.Parse(filter).RootElement, "Filter", errors).Should().BeNull();
        return errors;
    }

    [TestCase("""{}""", true)]
    [TestCase("""{"type": "scan.finding"}""", true)]
    [TestCase("""{"type": "scan.completed"}""", false)]
    [TestCase("""{"TYPE": "scan.finding"}""", true)]
    [TestCase("""{"severity": "critical"}""", true)]
    [TestCase("""{"source": "scanner-7", "id": "evt_1"}""", true)]
    [TestCase("""{"metadata.actor": "ci-bot"}""", true)]
    [TestCase("""{"metadata.actor": "someone"}""", false)]
    [TestCase("""{"data.repository": "acme/api"}""", true)]
    [TestCase("""{"data.count": 7}""", true)]
    [TestCase("""{"data.count": 7.0}""", true)]
    [TestCase("""{"data.count": "7"}""", false)]
    [TestCase("""{"data.fixable": true}""", true)]
    [TestCase("""{"data.fixable": false}""", false)]
    [TestCase("""{"data.note": null}""", true)]
    [TestCase("""{"data.tags": ["sqli", "owasp"]}""", true)]
    [TestCase("""{"data.tags": ["owasp", "sqli"]}""", false)]
    [TestCase("""{"data.owner": {"oncall": "ana", "team": "payments"}}""", true)]
    [TestCase("""{"data.owner.team": {"$eq": "payments"}}""", true)]
    [TestCase("""{"data.missing": "x"}""", false)]
    public void Matches_Equality_ComparesByJsonKindAndValue(string filter, bool expected)
        => Matches(filter).Should().Be(expected);

    [TestCase("""{"data.severity": {"$in": ["critical", "high"]}}""", true)]
    [TestCase("""{"data.severity": {"$in": ["low", "medium"]}}""", false)]
    [TestCase("""{"data.count": {"$in": [1, 7]}}""", true)]
    [TestCase("""{"data.missing": {"$in": ["x"]}}""", false)]
    [TestCase("""{"data.severity": {"$nin": ["low", "medium"]}}""", true)]
    [TestCase("""{"data.severity": {"$nin": ["high"]}}""", false)]
    [TestCase("""{"data.missing": {"$nin": ["x"]}}""", true)]
    public void Matches_InAndNin_TestMembership(string filter, bool expected)
        => Matches(filter).Should().Be(expected);

    [TestCase("""{"data.count": {"$gt": 6}}""", true)]
    [TestCase("""{"data.count": {"$gt": 7}}""", false)]
    [TestCase("""{"data.count": {"$gte": 7}}""", true)]
    [TestCase("""{"data.count": {"$gte": 8}}""", false)]
    [TestCase("""{"data.count": {"$lt": 8}}""", true)]
    [TestCase("""{"data.count": {"$lt": 7}}""", false)]
    [TestCase("""{"data.count": {"$lte": 7}}""", true)]
    [TestCase("""{"data.count": {"$lte": 6.99}}""", false)]
    [TestCase("""{"data.score": {"$gt": 9, "$lt": 10}}""", true)]
    [TestCase("""{"data.repository": {"$gte": "acme/"}}""", true)]
    [TestCase("""{"data.repository": {"$lt": "acme/"}}""", false)]
    [TestCase("""{"data.repository": {"$gt": 1}}""", false)]
    [TestCase("""{"data.missing": {"$lt": 100}}""", false)]
    public void Matches_Comparisons_OrderNumbersAndStrings(string filter, bool expected)
        => Matches(filter).Should().Be(expected);

    [TestCase("""{"data.note": {"$exists": false}}""", true)]
    [TestCase("""{"data.missing": {"$exists": false}}""", true)]
    [TestCase("""{"data.count": {"$exists": true}}""", true)]
    [TestCase("""{"metadata.actor": {"$exists": true}}""", true)]
    [TestCase("""{"subject": {"$exists": true}}""", false)]
    [TestCase("""{"title": {"$contains": "injection"}}""", true)]
    [TestCase("""{"title": {"$contains": "Injection"}}""", false)]
    [TestCase("""{"data.repository": {"$contains": "/api"}}""", true)]
    [TestCase("""{"data.tags": {"$contains": "owasp"}}""", true)]
    [TestCase("""{"data.tags": {"$contains": "xss"}}""", false)]
    [TestCase("""{"data.count": {"$contains": 7}}""", false)]
    public void Matches_ExistsAndContains_TestPresenceAndMembership(string filter, bool expected)
        => Matches(filter).Should().Be(expected);

    [TestCase("""{"data.findings.0.id": "f1"}""", true)]
    [TestCase("""{"data.findings.1.cvss": {"$lt": 5}}""", true)]
    [TestCase("""{"data.findings.2.id": {"$exists": false}}""", true)]
    [TestCase("""{"data.tags.1": "owasp"}""", true)]
    [TestCase("""{"data.owner.team.x": {"$exists": true}}""", false)]
    public void Matches_DottedPaths_WalkObjectsAndArrays(string filter, bool expected)
        => Matches(filter).Should().Be(expected);

    [TestCase("""{"$and": [{"type": "scan.finding"}, {"data.count": {"$gte": 5}}]}""", true)]
    [TestCase("""{"$and": [{"type": "scan.finding"}, {"data.count": {"$gte": 8}}]}""", false)]
    [TestCase("""{"$or": [{"type": "x"}, {"data.severity": "high"}]}""", true)]
    [TestCase("""{"$or": [{"type": "x"}, {"data.severity": "low"}]}""", false)]
    [TestCase("""{"$not": {"data.severity": "low"}}""", true)]
    [TestCase("""{"$not": {"data.severity": "high"}}""", false)]
    [TestCase("""{"type": "scan.finding", "$or": [{"severity": "critical"}, {"$and": [{"data.fixable": false}, {"$not": {"data.count": {"$lt": 3}}}]}]}""", true)]
    [TestCase("""{"$or": [{"$and": [{"type": "scan.finding"}, {"$not": {"$or": [{"data.tags": {"$contains": "sqli"}}, {"data.count": 0}]}}]}, {"source": "other"}]}""", false)]
    public void Matches_Nesting_CombinesAndOrNot(string filter, bool expected)
        => Matches(filter).Should().Be(expected);

    [Test]
    public void Compile_InvalidFilter_ReportsEveryErrorWithItsPosition()
    {
        var errors = Errors("""
            {
              "colour": "red",
              "data.count": {"$gte": "x", "$between": [1, 2]},
              "data..x": 1,
              "title.x": 1,
              "metadata": "x",
              "$or": [{"type": "a"}, {"data.n": {"$in": "not-an-array"}}, 3],
              "$and": [],
              "$not": [1],
              "$where": "1",
              "data.y": {"$exists": "yes", "z": 1},
              "data.z": {"$gt": {"a": 1}, "$contains": [1], "$nin": []},
              "data.w": {}
            }
            """);
        errors.Select(e => e.Field).Should().BeEquivalentTo(
            "Filter/colour",
            "Filter/data.count/$between",
            "Filter/data..x",
            "Filter/title.x",
            "Filter/metadata",
            "Filter/$or/1/data.n/$in",
            "Filter/$or/2",
            "Filter/$and",
            "Filter/$not",
            "Filter/$where",
            "Filter/data.y",
            "Filter/data.z/$gt",
            "Filter/data.z/$contains",
            "Filter/data.z/$nin",
            "Filter/data.w");
        errors.Should().Contain(e => e.Field == "Filter/colour" && e.Message.Contains("not an event field"));
        errors.Should().Contain(e => e.Field == "Filter/data.count/$between" && e.Message.Contains("not a known operator"));
        errors.Should().Contain(e => e.Field == "Filter/$or/2" && e.Message.Contains("must be a JSON object"));
    }

    [Test]
    public void Compile_GteWithString_IsValid_ButBetweenIsNot()
        => Errors("""{"data.count": {"$gte": "x", "$between": 1}}""").Should().ContainSingle().Which.Field.Should().Be("Filter/data.count/$between");

    [Test]
    public void Compile_TooDeep_IsRefusedWithTheLimit()
    {
        var filter = """{"type": "a"}""";
        for (var i = 0; i < EventFilter.MaxDepth; i++)
        {
            filter = "{\"$not\": " + filter + "}";
        }

        var errors = Errors(filter);
        errors.Should().ContainSingle().Which.Message.Should().Contain($"the limit is {EventFilter.MaxDepth}");
        errors[0].Field.Should().StartWith("Filter/$not/$not");
    }

    [Test]
    public void Compile_TooLarge_IsRefusedWithTheLimit()
    {
        var values = string.Join(",", Enumerable.Range(0, 3000).Select(i => "\"value-" + i + "\""));
        var errors = Errors("{\"data.x\": {\"$in\": [" + values + "]}}");
        errors.Should().ContainSingle().Which.Message.Should().Contain($"at most {EventFilter.MaxBytes} bytes");
    }

    [Test]
    public async Task TestFilterAsync_NoMatch_SaysWhy()
    {
        await using var host = await Support.TransportTestHost.StartAsync();
        var filter = JsonDocument.Parse("""{"data.severity": {"$in": ["critical"]}, "$or": [{"type": "a"}, {"data.count": {"$gt": 10}}]}""").RootElement;

        var result = await host.Destinations.TestFilterAsync(filter, Finding);

        result.Matches.Should().BeFalse();
        result.Reasons.Should().Contain("data.severity: must be one of [\"critical\"], but it is \"high\"");
        result.Reasons.Should().Contain(r => r.StartsWith("$or: no branch matched"));
        result.Reasons.Should().Contain("data.count: must be greater than 10, but it is 7");
        (await host.Destinations.TestFilterAsync(JsonDocument.Parse("""{"data.count": 7}""").RootElement, Finding)).Should().BeEquivalentTo(new WebhookFilterTestResult { Matches = true, Reasons = [] });
    }

    [Test]
    public async Task TestFilterAsync_InvalidFilter_ThrowsWithPositions()
    {
        await using var host = await Support.TransportTestHost.StartAsync();
        var act = () => host.Destinations.TestFilterAsync(JsonDocument.Parse("""{"$or": [{"nope": 1}]}""").RootElement, Finding);
        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().ContainSingle().Which.Field.Should().Be("Filter/$or/0/nope");
    }

    [Test]
    public async Task CreateAsync_InvalidFilter_IsRefusedAndNothingStored()
    {
        await using var host = await Support.TransportTestHost.StartAsync(dns: PublicDns());
        var act = () => host.Destinations.CreateAsync(new WebhookDestinationDefinition
        {
            Name = "filtered",
            Url = "https://hooks.example.com/in",
            Filter = JsonDocument.Parse("""{"data.x": {"$gt": true}, "sev": 1}""").RootElement,
        });

        var errors = (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors;
        errors.Select(e => e.Field).Should().BeEquivalentTo("Filter/data.x/$gt", "Filter/sev");
        (await host.Destinations.ListAsync()).Total.Should().Be(0);
    }

    [Test]
    public async Task PublishAsync_FanOut_OnlyMatchingDestinationsGetDeliveries()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await Support.TransportTestHost.StartAsync(configure: o => o.Safety.DangerouslyAllowHttp = true);
        async Task<WebhookDestination> Create(string name, string? filter) => await host.Destinations.CreateAsync(new WebhookDestinationDefinition
        {
            Name = name,
            Url = receiver.Url("/" + name).ToString(),
            Filter = filter is null ? null : JsonDocument.Parse(filter).RootElement,
        });
        var all = await Create("all", null);
        var severe = await Create("severe", """{"data.severity": {"$in": ["critical", "high"]}}""");
        var api = await Create("api", """{"data.repository": "acme/api", "data.count": {"$gte": 5}}""");
        var web = await Create("web", """{"data.repository": "acme/web"}""");

        var first = await host.Publisher.PublishAsync(Finding with { Id = null });
        var low = Finding with { Id = null, Data = JsonSerializer.SerializeToElement(new { severity = "low", repository = "acme/web", count = 1 }) };
        var second = await host.Publisher.PublishAsync(low);

        first.Deliveries.Select(d => d.DestinationId).Should().BeEquivalentTo(all.Id, severe.Id, api.Id);
        second.Deliveries.Select(d => d.DestinationId).Should().BeEquivalentTo(all.Id, web.Id);
        foreach (var delivery in first.Deliveries.Concat(second.Deliveries))
        {
            (await host.WaitForFinalAsync(delivery.DeliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        }

        receiver.Requests.Select(r => r.Path).Should().BeEquivalentTo("/all", "/severe", "/api", "/all", "/web");
    }

    [Test]
    public async Task UpdateAsync_Filter_SetsKeepsAndRemoves()
    {
        await using var host = await Support.TransportTestHost.StartAsync(dns: PublicDns());
        var created = await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "d", Url = "https://hooks.example.com/in" });
        created.Filter.Should().BeNull();

        var set = await host.Destinations.UpdateAsync(created.Id, new WebhookDestinationUpdate { Filter = JsonDocument.Parse("""{"type": "a"}""").RootElement });
        set.Filter!.Value.GetProperty("type").GetString().Should().Be("a");
        var kept = await host.Destinations.UpdateAsync(created.Id, new WebhookDestinationUpdate { Name = "renamed" });
        kept.Filter.Should().NotBeNull();
        (await host.Destinations.GetAsync(created.Id)).Filter!.Value.GetProperty("type").GetString().Should().Be("a");
        var removed = await host.Destinations.UpdateAsync(created.Id, new WebhookDestinationUpdate { RemoveFilter = true });
        removed.Filter.Should().BeNull();
    }

    [Test]
    public async Task AddWebhooks_ConfigurationSection_FilterAsJsonTextOrSectionIsRead()
    {
        var json = """
            {
              "Webhooks": {
                "Destinations": [
                  { "Id": "text", "Name": "Text", "Url": "https://hooks.example.com/a", "Filter": "{\"data.count\": {\"$gte\": 5}}" },
                  { "Id": "section", "Name": "Section", "Url": "https://hooks.example.com/b", "Filter": { "data.count": { "$lt": 5 }, "data.fixable": true } },
                  { "Id": "none", "Name": "None", "Url": "https://hooks.example.com/c" }
                ]
              }
            }
            """;
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddWebhooks(configuration.GetSection("Webhooks"));
        builder.Services.Configure<WebhooksOptions>(o => o.Dispatcher.Enabled = false);
        builder.Services.AddSingleton<IWebhookDnsResolver>(PublicDns());
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var destinations = host.Services.GetRequiredService<IWebhookDestinationManager>();
            (await destinations.GetAsync("text")).Filter!.Value.GetProperty("data.count").GetProperty("$gte").GetInt32().Should().Be(5);
            (await destinations.GetAsync("section")).Filter!.Value.GetProperty("data.count").GetProperty("$lt").GetDouble().Should().Be(5);
            (await destinations.GetAsync("none")).Filter.Should().BeNull();
            var publisher = host.Services.GetRequiredService<IWebhookPublisher>();
            (await publisher.PublishAsync(Finding with { Id = null })).Deliveries.Select(d => d.DestinationId).Should().BeEquivalentTo("text", "none");
            var small = Finding with { Id = null, Data = JsonSerializer.SerializeToElement(new { count = 2, fixable = true }) };
            (await publisher.PublishAsync(small)).Deliveries.Select(d => d.DestinationId).Should().BeEquivalentTo("section", "none");
        }
        finally
        {
            await host.StopAsync();
        }
    }
}

using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Safety;

/// <summary>The policy at save time, for unsaved drafts and for saved test deliveries.</summary>
public class WebhookDestinationManagerTests
{
    private static Task<WebhookTestHost> StartHostAsync(ScriptedDnsResolver resolver)
        => WebhookTestHost.StartAsync(
            o =>
            {
                o.Safety.DangerouslyAllowedNetworks.Clear();
                o.Safety.DangerouslyAllowHttp = false;
            },
            (s, _) => s.AddSingleton<IWebhookDnsResolver>(resolver));

    [TestCase("https://169.254.169.254/latest/meta-data/", WebhookUrlRules.LinkLocal)]
    [TestCase("https://0x7f.1/hook", WebhookUrlRules.Loopback)]
    [TestCase("https://localhost/hook", WebhookUrlRules.Localhost)]
    [TestCase("https://user:pw@public.example.test/hook", WebhookUrlRules.UserInfo)]
    [TestCase("http://public.example.test/hook", WebhookUrlRules.HttpsOnly)]
    [TestCase("https://private.example.test/hook", WebhookUrlRules.DnsPrivate)]
    public async Task CreateAsync_RefusedUrl_ValidationErrorNamesTheRuleAndNothingIsStored(string url, string rule)
    {
        await using var host = await StartHostAsync(SafetyTestServices.Resolver());

        var act = () => host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "x", Url = url });

        var error = (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().ContainSingle().Subject;
        error.Field.Should().Be("Url");
        error.Message.Should().StartWith($"refused by rule '{rule}': ");
        (await host.Destinations.ListAsync()).Items.Should().BeEmpty();
    }

    [Test]
    public async Task CreateAsync_PublicName_IsStored()
    {
        await using var host = await StartHostAsync(SafetyTestServices.Resolver());

        var created = await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "x", Url = "https://public.example.test/hook" });

        created.Url.Should().Be("https://public.example.test/hook");
    }

    [Test]
    public async Task UpdateAsync_ToRefusedUrl_IsRefused()
    {
        await using var host = await StartHostAsync(SafetyTestServices.Resolver());
        var created = await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "x", Url = "https://public.example.test/hook" });

        var act = () => host.Destinations.UpdateAsync(created.Id, new WebhookDestinationUpdate { Url = "https://10.0.0.1/hook" });

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Message.Should().Contain($"refused by rule '{WebhookUrlRules.Private}'");
    }

    [Test]
    public async Task TestAsync_DraftWithRefusedUrl_IsRefusedBeforeAnyConnection()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await StartHostAsync(SafetyTestServices.Resolver());

        var act = () => host.Destinations.TestDraftAsync(new WebhookDestinationDefinition { Name = "x", Url = $"https://127.0.0.1:{receiver.BaseUrl.Port}/hook" });

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Message.Should().Contain($"refused by rule '{WebhookUrlRules.Loopback}'");
        receiver.ConnectionCount.Should().Be(0);
    }

    [Test]
    public async Task TestAsync_SavedDestinationNowResolvingPrivate_ThrowsRefusedAndDoesNotConnect()
    {
        var resolver = SafetyTestServices.Resolver().Answer("moving.example.test", SafetyTestServices.PublicV4);
        await using var host = await StartHostAsync(resolver);
        var created = await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "x", Url = "https://moving.example.test/hook" });
        resolver.Answer("moving.example.test", "192.168.10.10");

        var act = () => host.Destinations.TestAsync(created.Id);

        var refused = (await act.Should().ThrowAsync<WebhookUrlRefusedException>()).Which;
        refused.Verdict!.Rule.Should().Be(WebhookUrlRules.DnsPrivate);
        refused.Message.Should().Contain("moving.example.test").And.NotContain("192.168.10.10");
        host.Logs.AllText.Should().Contain("192.168.10.10");
    }

    [Test]
    public async Task TestAsync_SavedDestinationRebindingBetweenCheckAndConnect_FailsAtConnectWithoutConnection()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var resolver = new ScriptedDnsResolver().AnswerInTurn("rebind.example.test", [SafetyTestServices.PublicV4], [SafetyTestServices.PublicV4], ["127.0.0.1"]);
        await using var host = await WebhookTestHost.StartAsync(
            o =>
            {
                o.Safety.DangerouslyAllowedNetworks.Clear();
                o.Safety.DangerouslyAllowHttp = true;
            },
            (s, _) => s.AddSingleton<IWebhookDnsResolver>(resolver));
        var created = await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "x", Url = $"http://rebind.example.test:{receiver.BaseUrl.Port}/hook" });

        var test = await host.Destinations.TestAsync(created.Id);

        test.Success.Should().BeFalse();
        test.Reached.Should().BeFalse();
        test.Error.Should().Contain($"rule '{WebhookUrlRules.DnsPrivate}'");
        receiver.ConnectionCount.Should().Be(0);
        resolver.CallsFor("rebind.example.test").Should().Be(3, "save, test check and connect each resolved");
        var stored = await host.DeliveryLog.GetAsync(test.DeliveryId!);
        stored.IsTest.Should().BeTrue();
        stored.LastError.Should().Contain(WebhookUrlRules.DnsPrivate);
    }

    [Test]
    public async Task CreateAsync_NameResolvingToPrivateAddress_ErrorNamesRuleAndHostNotTheAddressLogsKeepIt()
    {
        await using var host = await StartHostAsync(SafetyTestServices.Resolver());

        var act = () => host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "x", Url = "https://private.example.test/hook" });

        var error = (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().ContainSingle().Subject;
        error.Message.Should().Contain(WebhookUrlRules.DnsPrivate).And.Contain("private.example.test").And.NotContain("10.0.0.5");
        host.Logs.AllText.Should().Contain("10.0.0.5");
    }

    [Test]
    public async Task TestAsync_RebindingToInternalAddressAtConnect_AttemptErrorOmitsTheAddressLogsKeepIt()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var resolver = new ScriptedDnsResolver().AnswerInTurn("rebind.example.test", [SafetyTestServices.PublicV4], [SafetyTestServices.PublicV4], ["10.20.30.40"]);
        await using var host = await WebhookTestHost.StartAsync(
            o =>
            {
                o.Safety.DangerouslyAllowedNetworks.Clear();
                o.Safety.DangerouslyAllowHttp = true;
            },
            (s, _) => s.AddSingleton<IWebhookDnsResolver>(resolver));
        var created = await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "x", Url = $"http://rebind.example.test:{receiver.BaseUrl.Port}/hook" });

        var test = await host.Destinations.TestAsync(created.Id);

        test.Error.Should().Contain(WebhookUrlRules.DnsPrivate).And.Contain("rebind.example.test").And.NotContain("10.20.30.40");
        (await host.DeliveryLog.GetAsync(test.DeliveryId!)).LastError.Should().NotContain("10.20.30.40");
        host.Logs.AllText.Should().Contain("10.20.30.40");
    }

    [Test]
    public async Task TestAsync_DraftWithAnotherDestinationsProtectedSetting_SentAsGivenNeverDecrypted()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(o => o.Secrets.Key = Convert.ToBase64String(new byte[32]));
        var victim = await host.Destinations.CreateAsync(new WebhookDestinationDefinition
        {
            Name = "victim",
            Url = receiver.Url("/victim").ToString(),
            Format = WebhookFormats.PagerDuty,
            FormatSettings = { ["routingKey"] = "R0UTINGKEYOFTHEVICTIM00000000000" },
        });
        var record = await host.Services.GetRequiredService<IWebhookStore>().GetDestinationAsync(WebhookTenant.Default, victim.Id, CancellationToken.None);
        var stolen = System.Text.Json.JsonDocument.Parse(record!.ConfigJson).RootElement.GetProperty("formatSettings").GetProperty("routingKey").GetString()!;
        stolen.Should().StartWith("protected:");

        var test = await host.Destinations.TestDraftAsync(new WebhookDestinationDefinition
        {
            Name = "attacker",
            Url = receiver.Url("/attacker").ToString(),
            Format = WebhookFormats.PagerDuty,
            FormatSettings = { ["routingKey"] = stolen },
        });

        test.Reached.Should().BeTrue();
        var sent = receiver.Requests.Should().ContainSingle(r => r.Path == "/attacker").Subject;
        sent.BodyText.Should().NotContain("R0UTINGKEYOFTHEVICTIM");
        System.Text.Json.JsonDocument.Parse(sent.Body).RootElement.GetProperty("routing_key").GetString().Should().Be(stolen);
    }
}

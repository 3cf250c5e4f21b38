using System.Security.Cryptography;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Newcomer;

/// <summary>The master key (Secrets.Key) is checked against the store at start, can be rotated, and never breaks publishing.</summary>
public class MasterKeyTests
{
    private string _path = null!;

    [SetUp]
    public void CreatePath() => _path = Path.Combine(Path.GetTempPath(), "webhooks-key-" + Guid.NewGuid().ToString("N") + ".db");

    [TearDown]
    public void DeleteFiles()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(_path) + "*"))
        {
            File.Delete(file);
        }
    }

    /// <summary>Replaces a destination's protected auth with a value no configured key can read.</summary>
    private static DestinationChange Corrupt(string id, string protectedAuth)
        => new() { TenantId = WebhookTenant.Default, Id = id, At = DateTimeOffset.UtcNow, ReplaceAuth = true, ProtectedAuth = protectedAuth };

    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private Task<WebhookTestHost> StartAsync(string key, params string[] previous)
        => WebhookTestHost.StartAsync(
            o =>
            {
                o.Secrets.Key = key;
                foreach (var p in previous)
                {
                    o.Secrets.PreviousKeys.Add(p);
                }
            },
            (_, webhooks) => webhooks.UseSqliteStore(_path));

    [Test]
    public async Task StartAsync_OtherKeyThanTheStoreWasUsedWith_FailsAtStartNamingTheMismatch()
    {
        await using (var first = await StartAsync(NewKey()))
        {
            await first.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "n", Url = "https://93.184.216.34/hook", Auth = new BearerTokenWebhookAuth { Token = "t" } });
        }

        var act = () => StartAsync(NewKey());

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message
            .Should().Contain("Secrets.Key does not match").And.Contain("key mismatch").And.Contain("Secrets.PreviousKeys");
    }

    [Test]
    public async Task StartAsync_EmptyStore_RecordsTheKeyCheckAndTheSameKeyStartsAgain()
    {
        var key = NewKey();
        await using (await StartAsync(key))
        {
        }

        await using var again = await StartAsync(key);
        var stored = await ((IWebhookKeyCheckStore)again.Services.GetRequiredService<IWebhookStore>()).GetKeyCheckAsync(CancellationToken.None);
        stored.Should().StartWith("kcv1:").And.NotContain(key);
    }

    [Test]
    public async Task Protect_AnyValue_CarriesTheKeyId()
    {
        await using var host = await StartAsync(NewKey());
        var protector = host.Services.GetRequiredService<ISecretProtector>();

        var first = protector.Protect("secret");
        var second = protector.Protect("other");

        first.Should().MatchRegex("^v2:[0-9a-f]{16}:");
        second[..20].Should().Be(first[..20], "both name the same key");
        protector.Unprotect(first).Should().Be("secret");
    }

    [Test]
    public async Task ReencryptAsync_AfterRotation_OldSecretsAreReadThenMovedToTheNewKey()
    {
        var oldKey = NewKey();
        var newKey = NewKey();
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        string id;
        await using (var first = await StartAsync(oldKey))
        {
            var definition = WebhookTestHost.Destination(receiver);
            definition.Auth = new BearerTokenWebhookAuth { Token = "rotating-token" };
            id = (await first.Destinations.CreateAsync(definition)).Id;
        }

        await using (var rotating = await StartAsync(newKey, oldKey))
        {
            (await rotating.Destinations.TestAsync(id)).Success.Should().BeTrue("the old key is listed in Secrets.PreviousKeys");
            rotating.Logs.Lines.Should().Contain(l => l.Contains("ReencryptAsync", StringComparison.Ordinal), "start-up says a rotation is pending");

            var result = await rotating.Services.GetRequiredService<IWebhookSecretKeyRotation>().ReencryptAsync();

            result.Examined.Should().Be(1);
            result.Reencrypted.Should().Be(1);
            result.Failed.Should().BeEmpty();
        }

        await using (var rotated = await StartAsync(newKey))
        {
            (await rotated.Destinations.TestAsync(id)).Success.Should().BeTrue("the secret was re-encrypted with the new key");
        }

        receiver.Requests.Should().HaveCount(2).And.OnlyContain(r => r.Header("Authorization") == "Bearer rotating-token");
    }

    [Test]
    public async Task PublishAsync_OneDestinationsSecretCannotBeDecrypted_OthersAreStillQueued()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var broken = WebhookTestHost.Destination(receiver, "/broken", "broken");
        broken.Auth = new BearerTokenWebhookAuth { Token = "t" };
        var brokenId = (await host.Destinations.CreateAsync(broken)).Id;
        var healthyId = (await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/healthy", "healthy"))).Id;
        var store = host.Services.GetRequiredService<IWebhookStore>();
        (await store.UpdateDestinationAsync(Corrupt(brokenId, "v2:0123456789abcdef:" + Convert.ToBase64String(new byte[40])), CancellationToken.None)).Should().NotBeNull();

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));

        // Publishing routes from settings only: it neither decrypts nor throws for the broken one.
        result.Deliveries.Select(d => d.DestinationId).Should().BeEquivalentTo([brokenId, healthyId]);
    }

    [Test]
    public async Task EnqueueToAsync_DestinationWhoseSecretCannotBeDecrypted_IsQueuedWithoutDecrypting()
    {
        await using var host = await WebhookTestHost.StartAsync(o => o.Dispatcher.Enabled = false);
        var definition = new WebhookDestinationDefinition { Name = "n", Url = "https://93.184.216.34/hook", Auth = new BearerTokenWebhookAuth { Token = "t" } };
        var id = (await host.Destinations.CreateAsync(definition)).Id;
        var store = host.Services.GetRequiredService<IWebhookStore>();
        await store.UpdateDestinationAsync(Corrupt(id, "v1:" + Convert.ToBase64String(new byte[40])), CancellationToken.None);

        var result = await host.Publisher.EnqueueToAsync(WebhookEvent.Create("scan.completed", new { n = 1 }), [id]);

        result.Deliveries.Should().ContainSingle();
    }
}

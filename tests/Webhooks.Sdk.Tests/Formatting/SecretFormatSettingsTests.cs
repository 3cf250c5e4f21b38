using System.Security.Cryptography;
using System.Text;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Formatting;

/// <summary>Secret format settings (PagerDuty's routing key, Feishu's signing secret) are write-only and encrypted at rest.</summary>
public class SecretFormatSettingsTests
{
    private const string RoutingKey = "R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY42";

    [Test]
    public async Task ReadingADestination_SecretFormatSetting_ShowsAHintButDeliveriesCarryTheValue()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var created = await host.Destinations.CreateAsync(PagerDuty(receiver));

        created.FormatSettings["routingKey"].Should().StartWith("set (sha256 ").And.NotContain(RoutingKey);
        (await host.Destinations.GetAsync(created.Id)).FormatSettings["routingKey"].Should().NotContain(RoutingKey);
        (await host.Destinations.ListAsync()).Items.Single().FormatSettings["routingKey"].Should().NotContain(RoutingKey);

        var published = await host.Publisher.PublishAsync(WebhookEvent.Create("incident.opened", new { id = 1 }) with { Title = "Disk full" });
        (await host.WaitForFinalAsync(published.Deliveries[0].DeliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        receiver.Requests.Single().BodyText.Should().Contain($"\"routing_key\":\"{RoutingKey}\"");
    }

    [Test]
    public async Task UpdateAsync_FormatSettingsWithoutTheSecret_KeepsTheSavedSecret()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var created = await host.Destinations.CreateAsync(PagerDuty(receiver));

        var updated = await host.Destinations.UpdateAsync(created.Id, new WebhookDestinationUpdate
        {
            FormatSettings = new Dictionary<string, string> { ["source"] = "scanner-7" },
        });

        updated.FormatSettings.Should().ContainKey("source").And.ContainKey("routingKey");
        var published = await host.Publisher.PublishAsync(WebhookEvent.Create("incident.opened", new { id = 2 }) with { Title = "Disk full" });
        await host.WaitForFinalAsync(published.Deliveries[0].DeliveryId);
        receiver.Requests.Single().BodyText.Should().Contain(RoutingKey).And.Contain("scanner-7");
    }

    [Test]
    public async Task SqliteStore_SecretFormatSetting_IsNotInTheDatabaseFile()
    {
        var path = Path.Combine(Path.GetTempPath(), "webhooks-secret-settings-" + Guid.NewGuid().ToString("N") + ".db");
        try
        {
            await using (var receiver = await LocalWebhookReceiver.StartAsync())
            await using (var host = await WebhookTestHost.StartAsync(
                o => o.Secrets.Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                (_, webhooks) => webhooks.UseSqliteStore(path)))
            {
                var created = await host.Destinations.CreateAsync(PagerDuty(receiver));
                var published = await host.Publisher.PublishAsync(WebhookEvent.Create("incident.opened", new { id = 3 }) with { Title = "Disk full" });
                await host.WaitForFinalAsync(published.Deliveries[0].DeliveryId);
                receiver.Requests.Single().BodyText.Should().Contain(RoutingKey, "the store hands the decrypted key back to the formatter");
                created.Id.Should().NotBeEmpty();
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            var bytes = File.ReadAllBytes(path).Concat(File.Exists(path + "-wal") ? File.ReadAllBytes(path + "-wal") : []).ToArray();
            Encoding.UTF8.GetString(bytes).Should().NotContain(RoutingKey);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in new[] { path, path + "-wal", path + "-shm" })
            {
                File.Delete(file);
            }
        }
    }

    private static WebhookDestinationDefinition PagerDuty(LocalWebhookReceiver receiver) => new()
    {
        Name = "on-call",
        Url = receiver.Url("/pd").ToString(),
        Format = WebhookFormats.PagerDuty,
        FormatSettings = new Dictionary<string, string> { ["routingKey"] = RoutingKey },
    };
}

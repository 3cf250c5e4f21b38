using System.Security.Cryptography;
using FluentAssertions;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Auth;

public class DurableSecretsTests
{
    private string _path = null!;

    [SetUp]
    public void CreatePath() => _path = Path.Combine(Path.GetTempPath(), "webhooks-secrets-" + Guid.NewGuid().ToString("N") + ".db");

    [TearDown]
    public void DeleteFiles()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(_path) + "*"))
        {
            File.Delete(file);
        }
    }

    [Test]
    public async Task StartAsync_SqliteStoreWithoutKey_FailsAtStartUp()
    {
        var act = () => WebhookTestHost.StartAsync(services: (_, webhooks) => webhooks.UseSqliteStore(_path));

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("Secrets.Key or Secrets.KeyFile is required");
    }

    [Test]
    public async Task TestAsync_AfterRestartWithSameKey_SendsSavedSecretAndOtherKeyFailsClearly()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        string id;
        await using (var first = await WebhookTestHost.StartAsync(o => o.Secrets.Key = key, (_, webhooks) => webhooks.UseSqliteStore(_path)))
        {
            var definition = WebhookTestHost.Destination(receiver);
            definition.Auth = new BearerTokenWebhookAuth { Token = "durable-token-123" };
            id = (await first.Destinations.CreateAsync(definition)).Id;
        }

        var files = Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(_path) + "*");
        files.Should().NotBeEmpty();
        foreach (var file in files)
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(file);
            }
            catch (FileNotFoundException)
            {
                continue; // SQLite removed its WAL file after the last connection closed: nothing left to hold a secret.
            }

            bytes.AsSpan().IndexOf("durable-token-123"u8).Should().Be(-1, "the database files hold only the encrypted auth");
        }
        await using (var second = await WebhookTestHost.StartAsync(o => o.Secrets.Key = key, (_, webhooks) => webhooks.UseSqliteStore(_path)))
        {
            (await second.Destinations.TestAsync(id)).Success.Should().BeTrue();
        }

        receiver.Requests.Should().ContainSingle().Which.Header("Authorization").Should().Be("Bearer durable-token-123");
        // Another key is refused at start, before anything reads a secret.
        var act = () => WebhookTestHost.StartAsync(o => o.Secrets.Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), (_, webhooks) => webhooks.UseSqliteStore(_path));
        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("key mismatch");
    }
}

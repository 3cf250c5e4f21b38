using System.Security.Cryptography;
using FluentAssertions;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Newcomer;

/// <summary>The outbox cannot mislead: a transaction it cannot honour is refused, and a result inside one says it awaits the commit.</summary>
public class OutboxTests
{
    private string _path = null!;

    [SetUp]
    public void CreatePath() => _path = Path.Combine(Path.GetTempPath(), "webhooks-outbox-" + Guid.NewGuid().ToString("N") + ".db");

    [TearDown]
    public void DeleteFiles()
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(_path)[..^3] + "*"))
        {
            File.Delete(file);
        }
    }

    private Task<WebhookTestHost> StartSqliteAsync()
        => WebhookTestHost.StartAsync(
            o =>
            {
                o.Secrets.Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
                o.Dispatcher.Enabled = false;
            },
            (_, webhooks) => webhooks.UseSqliteStore(_path));

    [Test]
    public async Task PublishAsync_InMemoryStoreWithTransactionAndNoDestination_IsRefused()
    {
        await using var host = await WebhookTestHost.StartAsync();
        await using var connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync();
        await using var tx = connection.BeginTransaction();

        var act = () => host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { n = 1 }), tx);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("PublishAsync(event, transaction)").And.Contain("InMemoryWebhookStore");
    }

    [Test]
    public async Task PublishAsync_TransactionOnAnotherSqliteFile_IsRefusedSayingSo()
    {
        await using var host = await StartSqliteAsync();
        await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "n", Url = "https://93.184.216.34/hook" });
        var other = _path[..^3] + "-app.db";
        await using var connection = new SqliteConnection("Data Source=" + other);
        await connection.OpenAsync();
        await using var tx = connection.BeginTransaction();

        var act = () => host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { n = 1 }), tx);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("on another database").And.NotContain("no such table");
    }

    [Test]
    public async Task PublishAsync_TransactionOfTheOtherStore_IsRefusedNamingBothTypes()
    {
        var connectionString = Storage.PostgresTestServer.ConnectionString;
        await using var host = await StartSqliteAsync();
        await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "n", Url = "https://93.184.216.34/hook" });
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();

        var act = () => host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { n = 1 }), tx);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message
            .Should().Contain("PublishAsync(event, transaction)").And.Contain("SqliteTransaction").And.Contain("NpgsqlTransaction").And.NotContain("batch");
    }

    [Test]
    public void WebhookPublishOptions_PublicSurface_HasNoUntypedTransaction()
    {
        typeof(WebhookPublishOptions).GetProperty("Transaction").Should().BeNull("a transaction is passed only through the typed overloads");
        typeof(Webhooks.Sdk.Storage.EnqueueBatch).GetProperty("Transaction")!.PropertyType.Should().Be<System.Data.Common.DbTransaction>();
    }

    [Test]
    public async Task PublishAsync_InsideATransaction_ResultSaysTheDeliveriesExistOnlyIfItCommits()
    {
        await using var host = await StartSqliteAsync();
        await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "n", Url = "https://93.184.216.34/hook" });
        await using var connection = new SqliteConnection("Data Source=" + _path);
        await connection.OpenAsync();
        PublishResult result;
        await using (var tx = connection.BeginTransaction())
        {
            result = await host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { n = 1 }), tx);
            tx.Rollback();
        }

        result.PendingCommit.Should().BeTrue();
        result.ToString().Should().Contain("exist only if it commits");
        var store = host.Services.GetRequiredService<IWebhookStore>();
        (await store.GetDeliveryAsync("default", result.Deliveries[0].DeliveryId, CancellationToken.None)).Should().BeNull("the transaction rolled back");
        (await host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { n = 2 }))).PendingCommit.Should().BeFalse();
    }
}

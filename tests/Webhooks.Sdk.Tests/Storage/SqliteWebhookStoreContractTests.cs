using Webhooks.Sdk.Sqlite;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Testing.StoreContract;

namespace Webhooks.Sdk.Tests.Storage;

public sealed class SqliteStoreFactory : IStoreContractFactory
{
    private readonly TempDatabase _file = new();

    public Task<IWebhookStore> CreateAsync() => Task.FromResult<IWebhookStore>(new SqliteWebhookStore(new SqliteWebhookStoreOptions { ConnectionString = _file.NewPath() }));

    public Task DisposeAsync(IWebhookStore store)
    {
        ((SqliteWebhookStore)store).Dispose();
        _file.DeleteAll();
        return Task.CompletedTask;
    }
}

public sealed class SqliteDestinationStoreContractTests : DestinationStoreContractTests<SqliteStoreFactory>;

public sealed class SqliteDeliveryQueueStoreContractTests : DeliveryQueueStoreContractTests<SqliteStoreFactory>;

public sealed class SqliteDeliveryHistoryContractTests : DeliveryHistoryContractTests<SqliteStoreFactory>;

public sealed class SqliteCorrelationStoreContractTests : CorrelationStoreContractTests<SqliteStoreFactory>;

public sealed class SqliteInstanceRegistryContractTests : InstanceRegistryContractTests<SqliteStoreFactory>;

/// <summary>SQLite files in a temporary directory, deleted after the test.</summary>
public sealed class TempDatabase
{
    private readonly List<string> _paths = [];

    public string NewPath()
    {
        var path = Path.Combine(Path.GetTempPath(), "webhooks-test-" + Guid.NewGuid().ToString("N") + ".db");
        _paths.Add(path);
        return path;
    }

    public void DeleteAll()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var path in _paths)
        {
            foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
            {
                File.Delete(path + suffix);
            }
        }

        _paths.Clear();
    }
}

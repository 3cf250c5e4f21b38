using Webhooks.Sdk.Sqlite;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Testing.StoreContract;

namespace Webhooks.Sdk.Tests.Storage;

public class SqliteWebhookStoreContractTests : WebhookStoreContractTests
{
    private readonly TempDatabase _file = new();

    protected override Task<IWebhookStore> CreateStoreAsync() => Task.FromResult<IWebhookStore>(new SqliteWebhookStore(new SqliteWebhookStoreOptions { ConnectionString = _file.NewPath() }));

    protected override async Task DisposeStoreAsync(IWebhookStore store)
    {
        await base.DisposeStoreAsync(store);
        _file.DeleteAll();
    }
}

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

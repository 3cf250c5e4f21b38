using Webhooks.Sdk.PostgreSql;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Testing.StoreContract;

namespace Webhooks.Sdk.Tests.Storage;

public sealed class PostgreSqlStoreFactory : IStoreContractFactory
{
    private readonly Dictionary<IWebhookStore, string> _schemas = [];

    public Task<IWebhookStore> CreateAsync()
    {
        var schema = PostgresTestServer.NewSchema();
        var store = new PostgreSqlWebhookStore(new PostgreSqlWebhookStoreOptions { ConnectionString = PostgresTestServer.ConnectionString, Schema = schema });
        _schemas[store] = schema;
        return Task.FromResult<IWebhookStore>(store);
    }

    public async Task DisposeAsync(IWebhookStore store)
    {
        await ((PostgreSqlWebhookStore)store).DisposeAsync();
        if (_schemas.Remove(store, out var schema))
        {
            await PostgresTestServer.DropSchemaAsync(schema);
        }
    }
}

public sealed class PostgreSqlDestinationStoreContractTests : DestinationStoreContractTests<PostgreSqlStoreFactory>;

public sealed class PostgreSqlDeliveryQueueStoreContractTests : DeliveryQueueStoreContractTests<PostgreSqlStoreFactory>;

public sealed class PostgreSqlDeliveryHistoryContractTests : DeliveryHistoryContractTests<PostgreSqlStoreFactory>;

public sealed class PostgreSqlCorrelationStoreContractTests : CorrelationStoreContractTests<PostgreSqlStoreFactory>;

public sealed class PostgreSqlInstanceRegistryContractTests : InstanceRegistryContractTests<PostgreSqlStoreFactory>;

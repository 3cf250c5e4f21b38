using Webhooks.Sdk.PostgreSql;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Testing.StoreContract;

namespace Webhooks.Sdk.Tests.Storage;

public class PostgreSqlWebhookStoreContractTests : WebhookStoreContractTests
{
    private string? _schema;

    protected override Task<IWebhookStore> CreateStoreAsync()
    {
        _schema = PostgresTestServer.NewSchema();
        return Task.FromResult<IWebhookStore>(new PostgreSqlWebhookStore(new PostgreSqlWebhookStoreOptions { ConnectionString = PostgresTestServer.ConnectionString, Schema = _schema }));
    }

    protected override async Task DisposeStoreAsync(IWebhookStore store)
    {
        await ((PostgreSqlWebhookStore)store).DisposeAsync();
        await PostgresTestServer.DropSchemaAsync(_schema!);
    }
}

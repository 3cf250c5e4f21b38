using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Testing.StoreContract;

namespace Webhooks.Sdk.Tests.Storage;

public class InMemoryWebhookStoreContractTests : WebhookStoreContractTests
{
    protected override Task<IWebhookStore> CreateStoreAsync() => Task.FromResult<IWebhookStore>(new InMemoryWebhookStore());
}

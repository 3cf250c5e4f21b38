using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Testing.StoreContract;

namespace Webhooks.Sdk.Tests.Storage;

public sealed class InMemoryStoreFactory : IStoreContractFactory
{
    public Task<IWebhookStore> CreateAsync() => Task.FromResult<IWebhookStore>(new InMemoryWebhookStore());

    public Task DisposeAsync(IWebhookStore store) => Task.CompletedTask;
}

public sealed class InMemoryDestinationStoreContractTests : DestinationStoreContractTests<InMemoryStoreFactory>;

public sealed class InMemoryDeliveryQueueStoreContractTests : DeliveryQueueStoreContractTests<InMemoryStoreFactory>;

public sealed class InMemoryDeliveryHistoryContractTests : DeliveryHistoryContractTests<InMemoryStoreFactory>;

public sealed class InMemoryCorrelationStoreContractTests : CorrelationStoreContractTests<InMemoryStoreFactory>;

public sealed class InMemoryInstanceRegistryContractTests : InstanceRegistryContractTests<InMemoryStoreFactory>;

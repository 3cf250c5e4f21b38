namespace Webhooks.Sdk.Storage;

/// <summary>
/// A complete store: one class that keeps destinations, the delivery queue, history, correlation ids and the instance
/// registry. The library registers each narrow contract (<see cref="IDestinationStore"/>, <see cref="IDeliveryQueueStore"/>,
/// <see cref="IDeliveryHistory"/>, <see cref="ICorrelationStore"/>, <see cref="IInstanceRegistry"/>) from it, so its
/// parts depend only on what they use. Rules shared by every contract:
/// <list type="bullet">
/// <item>Every query is scoped by tenant: nothing of one tenant is visible through another's id.</item>
/// <item>Times round-trip at least to the microsecond (PostgreSQL keeps microseconds).</item>
/// <item>Every implementation passes the contract fixtures of <c>Webhooks.Sdk.Testing.NUnit</c>, one per contract.</item>
/// </list>
/// </summary>
public interface IWebhookStore : IDestinationStore, IDeliveryQueueStore, IDeliveryHistory, ICorrelationStore, IInstanceRegistry
{
}

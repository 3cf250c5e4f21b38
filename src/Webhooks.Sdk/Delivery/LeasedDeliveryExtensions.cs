using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Delivery;

/// <summary>Completions the engine writes for a delivery it holds without having attempted it.</summary>
internal static class LeasedDeliveryExtensions
{
    /// <summary>The completion that gives a held delivery back to the queue, due at <paramref name="dueAt"/>, without using an attempt.</summary>
    /// <param name="leased">The held delivery.</param>
    /// <param name="dueAt">When it is due again.</param>
    /// <returns>The completion.</returns>
    public static DeliveryCompletion PostponedTo(this LeasedDelivery leased, DateTimeOffset dueAt) => new()
    {
        TenantId = leased.Delivery.TenantId,
        DeliveryId = leased.Delivery.Id,
        LeaseToken = leased.LeaseToken,
        Status = WebhookDeliveryStatus.Pending,
        DueAt = dueAt,
    };
}

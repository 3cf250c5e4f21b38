namespace Webhooks.Sdk.Internal;

/// <summary>Time-ordered ids (UUID v7) with a short type prefix.</summary>
internal static class Ids
{
    public static string NewEventId() => "evt_" + Guid.CreateVersion7().ToString("N");

    public static string NewDeliveryId() => "dlv_" + Guid.CreateVersion7().ToString("N");

    public static string NewDestinationId() => "dst_" + Guid.CreateVersion7().ToString("N");
}

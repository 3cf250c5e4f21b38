using System.Collections;
using Microsoft.Extensions.Logging;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Diagnostics;

/// <summary>
/// The logging scope around everything done for one delivery: <c>DeliveryId</c>, <c>DestinationId</c> and
/// <c>TenantId</c> as structured state, so every log line about the delivery (from any logger in the flow) carries them.
/// </summary>
internal sealed class DeliveryLogScope : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly string _deliveryId;
    private readonly string _destinationId;
    private readonly string _tenantId;

    private DeliveryLogScope(string deliveryId, string destinationId, string tenantId)
    {
        _deliveryId = deliveryId;
        _destinationId = destinationId;
        _tenantId = tenantId;
    }

    public int Count => 3;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("DeliveryId", _deliveryId),
        1 => new("DestinationId", _destinationId),
        2 => new("TenantId", _tenantId),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public static IDisposable? Begin(ILogger logger, DeliveryRecord delivery)
        => logger.BeginScope(new DeliveryLogScope(delivery.Id, delivery.DestinationId, delivery.TenantId));

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"DeliveryId:{_deliveryId} DestinationId:{_destinationId} TenantId:{_tenantId}";
}

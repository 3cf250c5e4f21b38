using System.Globalization;

namespace Webhooks.Sdk.Storage;

/// <summary>The in-memory store's cursors: a delivery cursor is the last sequence returned; a destination cursor is the last created time and id.</summary>
internal static class StoreCursor
{
    public static long? DecodeSequence(string? cursor)
    {
        if (cursor is null)
        {
            return null;
        }

        return long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            ? seq
            : throw new ArgumentException($"The cursor '{cursor}' is not one this store returned.", nameof(cursor));
    }

    public static (long Ticks, string Id)? DecodeDestination(string? cursor)
    {
        if (cursor is null)
        {
            return null;
        }

        var colon = cursor.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && long.TryParse(cursor.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            ? (ticks, cursor[(colon + 1)..])
            : throw new ArgumentException($"The cursor '{cursor}' is not one this store returned.", nameof(cursor));
    }

    public static WebhookCursorPage<DeliveryRecord> DeliveryPage(List<DeliveryRecord> rows, int limit)
    {
        if (rows.Count <= limit)
        {
            return new(rows, null);
        }

        rows.RemoveRange(limit, rows.Count - limit);
        return new(rows, rows[^1].Sequence.ToString(CultureInfo.InvariantCulture));
    }

    public static WebhookCursorPage<DestinationRecord> DestinationPage(List<DestinationRecord> rows, int limit)
    {
        if (rows.Count <= limit)
        {
            return new(rows, null);
        }

        rows.RemoveRange(limit, rows.Count - limit);
        var last = rows[^1];
        return new(rows, string.Create(CultureInfo.InvariantCulture, $"{last.CreatedAt.UtcTicks}:{last.Id}"));
    }

    public static WebhookStatusCodeClass? StatusCodeClassOf(int? code) => code switch
    {
        null => WebhookStatusCodeClass.None,
        >= 200 and < 300 => WebhookStatusCodeClass.Success,
        >= 400 and < 500 => WebhookStatusCodeClass.ClientError,
        >= 500 and < 600 => WebhookStatusCodeClass.ServerError,
        _ => null,
    };
}

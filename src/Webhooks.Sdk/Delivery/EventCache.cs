using System.Collections.Concurrent;
using System.Text.Json;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Formatting;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Delivery;

/// <summary>
/// Keeps recently sent events parsed, with their envelope and renderings per format, so a fan-out to many
/// destinations serializes and renders once. Bounded: cleared when it grows past its capacity.
/// </summary>
internal sealed class EventCache
{
    private const int Capacity = 4096;
    private readonly ConcurrentDictionary<(string Tenant, string Id), CachedEvent> _events = new();
    private int _count;

    public CachedEvent Get(StoredEvent stored)
    {
        var key = (stored.TenantId, stored.Id);
        if (_events.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var evt = EventSerialization.Deserialize(stored.Json.Span);
        return AddCore(key, new CachedEvent(evt, EnvelopeSerializer.Serialize(evt)));
    }

    public CachedEvent Add(string tenantId, WebhookEvent evt, byte[] envelope)
    {
        var key = (tenantId, evt.Id!);
        return _events.TryGetValue(key, out var cached) ? cached : AddCore(key, new CachedEvent(evt, envelope));
    }

    // ConcurrentDictionary.Count takes every lock of the dictionary; on the hot path the size is tracked here instead
    // (approximate under races, which is all a capacity bound needs).
    private CachedEvent AddCore((string Tenant, string Id) key, CachedEvent candidate)
    {
        if (Volatile.Read(ref _count) >= Capacity)
        {
            _events.Clear();
            Volatile.Write(ref _count, 0);
        }

        if (_events.TryAdd(key, candidate))
        {
            Interlocked.Increment(ref _count);
            return candidate;
        }

        return _events.TryGetValue(key, out var existing) ? existing : candidate;
    }
}

/// <summary>An event with its envelope and its renderings.</summary>
internal sealed class CachedEvent(WebhookEvent evt, byte[] envelope)
{
    private readonly ConcurrentDictionary<(string Format, string Key), WebhookPayload> _renderings = new();

    public WebhookEvent Event { get; } = evt;

    public byte[] Envelope { get; } = envelope;

    public WebhookPayload Render(IWebhookFormatter formatter, WebhookFormatContext context)
    {
        var key = formatter.GetCacheKey(context);
        if (key is null)
        {
            return formatter.Format(context);
        }

        return _renderings.GetOrAdd((formatter.Name, key), static (_, state) => state.formatter.Format(state.context), (formatter, context));
    }
}

/// <summary>How the whole event is stored (all fields, not the envelope).</summary>
internal static class EventSerialization
{
    public static byte[] Serialize(WebhookEvent evt) => JsonSerializer.SerializeToUtf8Bytes(evt, DestinationConfig.JsonOptions);

    public static WebhookEvent Deserialize(ReadOnlySpan<byte> json)
        => JsonSerializer.Deserialize<WebhookEvent>(json, DestinationConfig.JsonOptions) ?? throw new InvalidOperationException("A stored event is empty.");
}

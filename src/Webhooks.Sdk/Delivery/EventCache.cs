using System.Collections.Concurrent;
using System.Text.Json;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Formatting;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Delivery;

/// <summary>
/// Keeps recently sent events parsed, with their envelope and renderings per format, so a fan-out to many
/// destinations serializes and renders once. Bounded: past its capacity the least recently used event is dropped, one
/// at a time (so a busy process never loses its whole working set at once).
/// </summary>
internal sealed class EventCache
{
    /// <summary>The most events kept.</summary>
    internal const int DefaultCapacity = 4096;

    private readonly object _sync = new();
    private readonly Dictionary<(string Tenant, string Id), LinkedListNode<Entry>> _events = [];
    private readonly LinkedList<Entry> _recency = new();
    private readonly int _capacity;

    public EventCache()
        : this(DefaultCapacity)
    {
    }

    internal EventCache(int capacity) => _capacity = capacity;

    /// <summary>Gets how many events are kept.</summary>
    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _events.Count;
            }
        }
    }

    public CachedEvent Get(StoredEvent stored)
    {
        var key = (stored.TenantId, stored.Id);
        if (TryGet(key, out var cached))
        {
            return cached;
        }

        var evt = stored.Parsed ?? EventSerialization.Deserialize(stored.Json.Span);
        return AddCore(key, new CachedEvent(evt, EnvelopeSerializer.Serialize(evt)));
    }

    public CachedEvent Add(string tenantId, WebhookEvent evt, byte[] envelope)
    {
        var key = (tenantId, evt.Id!);
        return TryGet(key, out var cached) ? cached : AddCore(key, new CachedEvent(evt, envelope));
    }

    /// <summary>Gets whether an event is kept (without counting as a use).</summary>
    internal bool Contains(string tenantId, string id)
    {
        lock (_sync)
        {
            return _events.ContainsKey((tenantId, id));
        }
    }

    private bool TryGet((string Tenant, string Id) key, out CachedEvent cached)
    {
        lock (_sync)
        {
            if (_events.TryGetValue(key, out var node))
            {
                if (node != _recency.First)
                {
                    _recency.Remove(node);
                    _recency.AddFirst(node);
                }

                cached = node.Value.Event;
                return true;
            }
        }

        cached = null!;
        return false;
    }

    private CachedEvent AddCore((string Tenant, string Id) key, CachedEvent candidate)
    {
        lock (_sync)
        {
            if (_events.TryGetValue(key, out var existing))
            {
                return existing.Value.Event;
            }

            _events[key] = _recency.AddFirst(new Entry(key, candidate));
            while (_events.Count > _capacity)
            {
                var oldest = _recency.Last!;
                _recency.RemoveLast();
                _events.Remove(oldest.Value.Key);
            }

            return candidate;
        }
    }

    private sealed record Entry((string Tenant, string Id) Key, CachedEvent Event);
}

/// <summary>An event with its envelope and its renderings.</summary>
internal sealed class CachedEvent(WebhookEvent evt, byte[] envelope)
{
    // Made on the first cacheable rendering: the default JSON format renders per destination and never needs it.
    private ConcurrentDictionary<(string Format, string Key), WebhookPayload>? _renderings;

    public WebhookEvent Event { get; } = evt;

    public byte[] Envelope { get; } = envelope;

    public WebhookPayload Render(IWebhookFormatter formatter, WebhookFormatContext context)
    {
        var key = formatter.GetCacheKey(context);
        if (key is null)
        {
            return formatter.Format(context);
        }

        var renderings = _renderings ?? Interlocked.CompareExchange(ref _renderings, new(), null) ?? _renderings!;
        return renderings.GetOrAdd((formatter.Name, key), static (_, state) => state.formatter.Format(state.context), (formatter, context));
    }
}

/// <summary>How the whole event is stored (all fields, not the envelope).</summary>
internal static class EventSerialization
{
    public static byte[] Serialize(WebhookEvent evt)
        => Internal.PooledJsonWriter.Write(evt, static (writer, e) => JsonSerializer.Serialize(writer, e, Internal.StoredJsonContext.Default.WebhookEvent));

    public static WebhookEvent Deserialize(ReadOnlySpan<byte> json)
        => JsonSerializer.Deserialize(json, Internal.StoredJsonContext.Default.WebhookEvent) ?? throw new InvalidOperationException("A stored event is empty.");

    /// <summary>
    /// The stored form of a published event. The in-memory store keeps the event itself (it never leaves the process),
    /// so it gets no serialized copy; every other store gets the JSON.
    /// </summary>
    public static StoredEvent ToStored(IWebhookStore store, string tenantId, WebhookEvent evt, string? traceContext) => new()
    {
        TenantId = tenantId,
        Id = evt.Id!,
        Type = evt.Type,
        OccurredAt = evt.OccurredAt!.Value,
        Json = store is InMemoryWebhookStore ? ReadOnlyMemory<byte>.Empty : Serialize(evt),
        Parsed = evt,
        TraceContext = traceContext,
    };
}

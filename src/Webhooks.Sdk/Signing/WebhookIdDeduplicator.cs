namespace Webhooks.Sdk;

/// <summary>
/// Remembers the <c>webhook-id</c>s seen within a window so a receiver can drop duplicates (delivery is at-least-once).
/// In memory and per process; thread-safe. Keep the window at least as long as the sender's retry horizon you care about.
/// </summary>
public sealed class WebhookIdDeduplicator
{
    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, DateTimeOffset ExpiresAt)> _expiry = new();
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance of the <see cref="WebhookIdDeduplicator"/> class.</summary>
    /// <param name="window">How long an id is remembered.</param>
    /// <param name="timeProvider">The clock; <see langword="null"/> uses the system clock.</param>
    /// <param name="maxEntries">The most ids remembered; the oldest are forgotten first.</param>
    public WebhookIdDeduplicator(TimeSpan window, TimeProvider? timeProvider = null, int maxEntries = 100_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        Window = window;
        MaxEntries = maxEntries;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets how long an id is remembered.</summary>
    public TimeSpan Window { get; }

    /// <summary>Gets the most ids remembered.</summary>
    public int MaxEntries { get; }

    /// <summary>Gets how many ids are remembered now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                Prune(_time.GetUtcNow());
                return _seen.Count;
            }
        }
    }

    /// <summary>Records an id; returns <see langword="true"/> the first time it is seen within the window, <see langword="false"/> for a duplicate.</summary>
    /// <param name="messageId">The <c>webhook-id</c>.</param>
    /// <returns>Whether to process the message.</returns>
    public bool TryMarkSeen(string messageId)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            Prune(now);
            if (_seen.ContainsKey(messageId))
            {
                return false;
            }

            while (_seen.Count >= MaxEntries && _expiry.TryDequeue(out var oldest))
            {
                if (_seen.TryGetValue(oldest.Id, out var at) && at == oldest.ExpiresAt)
                {
                    _seen.Remove(oldest.Id);
                }
            }

            var expiresAt = now + Window;
            _seen[messageId] = expiresAt;
            _expiry.Enqueue((messageId, expiresAt));
            return true;
        }
    }

    /// <summary>Forgets an id, for example when processing it failed and a redelivery should be accepted.</summary>
    /// <param name="messageId">The <c>webhook-id</c>.</param>
    public void Forget(string messageId)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        lock (_gate)
        {
            _seen.Remove(messageId);
        }
    }

    private void Prune(DateTimeOffset now)
    {
        while (_expiry.TryPeek(out var head) && head.ExpiresAt <= now)
        {
            _expiry.Dequeue();
            if (_seen.TryGetValue(head.Id, out var at) && at == head.ExpiresAt)
            {
                _seen.Remove(head.Id);
            }
        }
    }
}

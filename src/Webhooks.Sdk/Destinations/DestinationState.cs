using Polly;
using Webhooks.Sdk.Delivery;

namespace Webhooks.Sdk.Destinations;

/// <summary>
/// Everything the engine keeps for one version of one destination: the parsed runtime, the breaker pipeline, the
/// concurrency gate, the token bucket, the health-write throttle, the OAuth2 token and the client certificate with its
/// connection pool. It is built from the destination's version and replaced as a whole when the version changes;
/// <see cref="DestinationMapper"/> drops it when the destination is deleted here or has not been used for
/// <see cref="WebhookDispatcherOptions.DestinationIdleTimeout"/>, and then <see cref="Retire"/>s it: what it owns
/// (the certificate and its pool) is disposed as soon as no attempt uses it.
/// </summary>
internal sealed class DestinationState
{
    private static readonly long SuccessRecordIntervalTicks = TimeSpan.FromSeconds(1).Ticks;

    private readonly object _sync = new();
    private DestinationRuntime _runtime = null!;
    private long _lastUsedTicks;
    private long _lastSuccessRecordedTicks = long.MinValue;
    private int _inUse;
    private DestinationGate? _gate;
    private TokenBucket? _bucket;
    private ResiliencePipeline<WebhookAttemptResult>? _pipeline;
    private Auth.MutualTlsClient? _clientCertificate;
    private int _retired;

    public DestinationState(string version, long nowTicks)
    {
        Version = version;
        _lastUsedTicks = nowTicks;
    }

    /// <summary>Gets the version this state was built from.</summary>
    public string Version { get; }

    /// <summary>Gets the latest runtime of this version (health fields refresh without rebuilding the state).</summary>
    public DestinationRuntime Runtime
    {
        get => Volatile.Read(ref _runtime);
        set => Volatile.Write(ref _runtime, value);
    }

    /// <summary>Gets a value indicating whether an attempt is using this state now (it is then never evicted).</summary>
    public bool InUse => Volatile.Read(ref _inUse) > 0;

    public long LastUsedTicks => Interlocked.Read(ref _lastUsedTicks);

    public void Touch(long nowTicks) => Interlocked.Exchange(ref _lastUsedTicks, nowTicks);

    /// <summary>Marks the state as used by an attempt until the returned scope is disposed.</summary>
    public Lease Use(long nowTicks)
    {
        Interlocked.Increment(ref _inUse);
        Touch(nowTicks);
        return new Lease(this);
    }

    public DestinationGate Gate(int limit)
    {
        var gate = Volatile.Read(ref _gate);
        if (gate is not null)
        {
            return gate;
        }

        lock (_sync)
        {
            return _gate ??= new DestinationGate(limit);
        }
    }

    /// <summary>Gets the token bucket of the destination's rate limit, or <see langword="null"/> when it has none.</summary>
    public TokenBucket? Bucket(DateTimeOffset now)
    {
        if (Runtime.Config.RateLimit is not { } limit)
        {
            return null;
        }

        var bucket = Volatile.Read(ref _bucket);
        if (bucket is not null)
        {
            return bucket;
        }

        lock (_sync)
        {
            return _bucket ??= new TokenBucket(limit, now);
        }
    }

    private object? _authState;

    /// <summary>
    /// Gets the auth state of this version (an OAuth2 token), created once: a new secret is a new version, hence a new
    /// state and a new token, and the token is forgotten with the state (change, delete, idle timeout).
    /// </summary>
    public T AuthState<T>(Func<T> create)
        where T : class
    {
        if (Volatile.Read(ref _authState) is T existing)
        {
            return existing;
        }

        lock (_sync)
        {
            if (_authState is not T made)
            {
                made = create();
                _authState = made;
            }

            return made;
        }
    }

    /// <summary>
    /// Gets the client certificate of this version, loaded once. A new certificate is a new version, hence a new state;
    /// this one's certificate and connection pool are disposed when it is retired and no attempt uses it.
    /// </summary>
    public Auth.MutualTlsClient ClientCertificate(MutualTlsWebhookAuth auth, Func<MutualTlsWebhookAuth, Auth.MutualTlsClient> load)
    {
        ArgumentNullException.ThrowIfNull(load);
        if (Volatile.Read(ref _clientCertificate) is { } loaded)
        {
            return loaded;
        }

        lock (_sync)
        {
            return _clientCertificate ??= load(auth);
        }
    }

    /// <summary>Gets a value indicating whether this state holds a loaded client certificate (not yet disposed).</summary>
    public bool HoldsClientCertificate => Volatile.Read(ref _clientCertificate) is not null;

    /// <summary>Gets a value indicating whether the mapper dropped this state.</summary>
    public bool Retired => Volatile.Read(ref _retired) == 1;

    /// <summary>Marks the state as dropped by the mapper: what it owns is disposed now, or when the last attempt using it ends.</summary>
    public void Retire()
    {
        Volatile.Write(ref _retired, 1);
        if (!InUse)
        {
            Release();
        }
    }

    private void Release()
    {
        Auth.MutualTlsClient? certificate;
        lock (_sync)
        {
            certificate = _clientCertificate;
            _clientCertificate = null;
        }

        certificate?.Dispose();
    }

    /// <summary>Gets or sets the state of the breaker in <see cref="Pipeline"/>, once built.</summary>
    public Polly.CircuitBreaker.CircuitBreakerStateProvider? BreakerState { get; set; }

    public ResiliencePipeline<WebhookAttemptResult> Pipeline(Func<DestinationRuntime, ResiliencePipeline<WebhookAttemptResult>> build)
    {
        var pipeline = Volatile.Read(ref _pipeline);
        if (pipeline is not null)
        {
            return pipeline;
        }

        lock (_sync)
        {
            return _pipeline ??= build(Runtime);
        }
    }

    /// <summary>
    /// A success on a healthy destination (no failures since the last recorded success) is written to the store at
    /// most once a second: <c>LastSuccessAt</c> is that coarse, and a busy destination costs one store write per
    /// delivery instead of two. Failures are always recorded.
    /// </summary>
    public bool SkipSuccessRecord(bool success, int consecutiveFailures, DateTimeOffset now)
    {
        if (!success)
        {
            Interlocked.Exchange(ref _lastSuccessRecordedTicks, long.MinValue);
            return false;
        }

        var last = Interlocked.Read(ref _lastSuccessRecordedTicks);
        if (consecutiveFailures == 0 && last != long.MinValue && now.UtcTicks >= last && now.UtcTicks - last < SuccessRecordIntervalTicks)
        {
            return true;
        }

        Interlocked.Exchange(ref _lastSuccessRecordedTicks, now.UtcTicks);
        return false;
    }

    /// <summary>Marks an attempt's use of a state; disposing it ends the use.</summary>
    public readonly struct Lease(DestinationState? state) : IDisposable
    {
        public void Dispose()
        {
            if (state is not null && Interlocked.Decrement(ref state._inUse) == 0 && state.Retired)
            {
                state.Release();
            }
        }
    }
}

/// <summary>Bounds the attempts in flight to one destination; a few more may wait, the rest are postponed briefly.</summary>
internal sealed class DestinationGate(int limit)
{
    private int _queued;

    public SemaphoreSlim Semaphore { get; } = new(limit, limit);

    public bool TryQueue()
    {
        if (Interlocked.Increment(ref _queued) > limit * 2)
        {
            Interlocked.Decrement(ref _queued);
            return false;
        }

        return true;
    }

    public void Dequeue() => Interlocked.Decrement(ref _queued);
}

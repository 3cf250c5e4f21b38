namespace Webhooks.Sdk;

/// <summary>Options of the webhook library, bound from the <c>Webhooks</c> configuration section by convention.</summary>
public sealed class WebhooksOptions
{
    /// <summary>Gets or sets the event-type catalogue.</summary>
    public IList<EventTypeDefinition> EventTypes { get; set; } = new List<EventTypeDefinition>();

    /// <summary>Gets the catalogue settings: <c>Open</c> (any type) or <c>Strict</c> (registered types only).</summary>
    public WebhookCatalogOptions Catalog { get; set; } = new();

    /// <summary>Gets or sets the subscriptions of a destination that has none.</summary>
    /// <value>The default value is <c>["*"]</c>: every event.</value>
    public IList<string> DefaultSubscriptions { get; set; } = new List<string> { "*" };

    /// <summary>Gets or sets the most destinations one tenant may have, 1 to 100000.</summary>
    /// <value>The default value is 100.</value>
    public int MaxDestinationsPerTenant { get; set; } = 100;

    /// <summary>Gets or sets destinations declared in configuration; they are created or updated in the default tenant at start (each needs an <c>Id</c>).</summary>
    public IList<WebhookDestinationDefinition> Destinations { get; set; } = new List<WebhookDestinationDefinition>();

    /// <summary>Gets the dispatcher settings.</summary>
    public WebhookDispatcherOptions Dispatcher { get; set; } = new();

    /// <summary>Gets the retry schedule.</summary>
    public WebhookRetryOptions Retry { get; set; } = new();

    /// <summary>Gets the destination health settings (circuit breaker and automatic disabling).</summary>
    public WebhookHealthOptions Health { get; set; } = new();

    /// <summary>Gets the safety settings (SSRF guard and size limits).</summary>
    public WebhookSafetyOptions Safety { get; set; } = new();

    /// <summary>Gets the settings of the default secret protector (AES-256-GCM).</summary>
    public WebhookSecretOptions Secrets { get; set; } = new();

    /// <summary>Gets the history retention settings.</summary>
    public WebhookRetentionOptions Retention { get; set; } = new();

    /// <summary>Gets the traces, metrics and queue statistics settings.</summary>
    public WebhookTelemetryOptions Telemetry { get; set; } = new();

    /// <summary>Gets the operational events settings.</summary>
    public WebhookOperationalEventOptions OperationalEvents { get; set; } = new();

    /// <summary>Gets or sets the User-Agent sent with every request; <see langword="null"/> means <c>Webhooks.Sdk/&lt;version&gt;</c>.</summary>
    public string? UserAgent { get; set; }

    /// <summary>Gets or sets the name of the event-type header.</summary>
    /// <value>The default value is <c>webhook-event-type</c>.</value>
    public string EventTypeHeader { get; set; } = "webhook-event-type";

    /// <summary>Gets or sets the name of the attempt-number header.</summary>
    /// <value>The default value is <c>webhook-attempt</c>.</value>
    public string AttemptHeader { get; set; } = "webhook-attempt";
}

/// <summary>How the background dispatcher leases and sends deliveries.</summary>
public sealed class WebhookDispatcherOptions
{
    /// <summary>Gets or sets a value indicating whether the hosted dispatcher runs in this process.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the most attempts in flight at once, 1 to 1024.</summary>
    /// <value>The default value is 64.</value>
    public int MaxConcurrency { get; set; } = 64;

    /// <summary>Gets or sets the most attempts in flight at once to one destination, 1 to 1024.</summary>
    /// <value>The default value is 16.</value>
    public int MaxConcurrencyPerDestination { get; set; } = 16;

    /// <summary>Gets or sets how often the store is polled when no wake signal arrives (other processes, due retries).</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets how long a leased delivery is held before it becomes due again, 5 seconds to 1 day. The dispatcher
    /// renews the leases of attempts still running every third of it, so this is how long a crashed process's
    /// deliveries wait before another process takes them, not a bound on an attempt.
    /// </summary>
    /// <value>The default value is 15 seconds.</value>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Gets or sets how long a destination's engine state (parsed settings, breaker, concurrency gate, token bucket) is
    /// kept after it was last used, 1 second to 1 day. A destination deleted by another instance is forgotten here after this.
    /// </summary>
    /// <value>The default value is 10 minutes.</value>
    public TimeSpan DestinationIdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Gets or sets how long this instance routes from its in-memory snapshot of a tenant's enabled destinations before
    /// reading them from the store again, 0.01 seconds to 1 hour. Changes made through this instance's destination
    /// manager apply to the next publish; changes made by other instances sharing the store are seen within this.
    /// </summary>
    /// <value>The default value is 2 seconds.</value>
    public TimeSpan DestinationRefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets how long to wait after a store error before trying again.</summary>
    /// <value>The default value is 2 seconds.</value>
    public TimeSpan StoreErrorDelay { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>The retry schedule: exponential backoff with jitter, stored as a due time (never an in-memory sleep).</summary>
/// <remarks>Retry <c>n</c> (1-based) waits <c>min(BaseDelay × Multiplier^(n-1), MaxDelay)</c>, then ± <see cref="JitterFactor"/>.</remarks>
public sealed class WebhookRetryOptions
{
    /// <summary>Gets or sets the delay before the first retry.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the growth factor between retries, 1 to 10.</summary>
    /// <value>The default value is 2.</value>
    public double Multiplier { get; set; } = 2;

    /// <summary>Gets or sets the longest delay between two attempts.</summary>
    /// <value>The default value is 12 hours.</value>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Gets or sets the random spread applied to each delay, 0 to 1 (0.2 means ±20 %).</summary>
    /// <value>The default value is 0.2.</value>
    public double JitterFactor { get; set; } = 0.2;

    /// <summary>Gets or sets the longest <c>Retry-After</c> honoured; a longer one is cut to this.</summary>
    /// <value>The default value is 1 hour.</value>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>Destination health: the short-term breaker inside attempts and the automatic disabling of failing destinations.</summary>
public sealed class WebhookHealthOptions
{
    /// <summary>Gets or sets after how many consecutive failed attempts a destination is disabled; 0 never disables.</summary>
    /// <value>The default value is 50.</value>
    public int DisableAfterConsecutiveFailures { get; set; } = 50;

    /// <summary>Gets or sets the failure ratio that opens a destination's short-term breaker.</summary>
    /// <value>The default value is 0.5.</value>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Gets or sets the minimum attempts in the sampling window before the breaker may open.</summary>
    /// <value>The default value is 10.</value>
    public int BreakerMinimumThroughput { get; set; } = 10;

    /// <summary>Gets or sets the breaker's sampling window.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how long the breaker stays open; deliveries meanwhile are postponed without an attempt.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>How long history is kept.</summary>
public sealed class WebhookRetentionOptions
{
    /// <summary>Gets or sets the age after which final deliveries and their attempts are purged.</summary>
    /// <value>The default value is 30 days.</value>
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Gets or sets how often the purge runs.</summary>
    /// <value>The default value is 1 hour.</value>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets how many deliveries one purge batch deletes.</summary>
    /// <value>The default value is 500.</value>
    public int PurgeBatchSize { get; set; } = 500;
}

/// <summary>The key of the default secret protector, which encrypts secrets (AES-256-GCM) before any store sees them.</summary>
public sealed class WebhookSecretOptions
{
    /// <summary>Gets or sets the key: base64 of 32 random bytes. Takes precedence over <see cref="KeyFile"/>.</summary>
    public string? Key { get; set; }

    /// <summary>Gets or sets a file holding the key (base64 of 32 bytes, or the 32 raw bytes).</summary>
    public string? KeyFile { get; set; }

    /// <summary>
    /// Gets or sets keys used before the current one (base64 of 32 bytes each), for rotation: values protected with any
    /// of them can still be read, new values use the current key, and
    /// <see cref="IWebhookSecretKeyRotation.ReencryptAsync"/> moves everything to the current key.
    /// </summary>
    /// <value>The default value is an empty list.</value>
    public IList<string> PreviousKeys { get; set; } = new List<string>();
}

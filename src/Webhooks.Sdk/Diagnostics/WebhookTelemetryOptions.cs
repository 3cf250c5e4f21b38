namespace Webhooks.Sdk;

/// <summary>Traces, metrics and queue statistics (<c>WebhooksOptions.Telemetry</c>).</summary>
public sealed class WebhookTelemetryOptions
{
    /// <summary>
    /// Gets or sets a value indicating whether metrics carry the <c>webhooks.destination.id</c> tag. Off by default: a
    /// tag per destination multiplies every series by the number of destinations.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool IncludeDestinationIdInMetrics { get; set; }

    /// <summary>
    /// Gets or sets how often the queue is counted for the gauges (pending, retrying, dead, age of the oldest due
    /// delivery), from 1 second to 1 hour; <see cref="TimeSpan.Zero"/> counts only when a health check asks.
    /// </summary>
    /// <value>The default value is 15 seconds.</value>
    public TimeSpan QueueStatisticsInterval { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// Operational events (<c>webhooks.destination.*</c>, <c>webhooks.delivery.*</c>), published through the library to the
/// destinations that subscribe to them by name (<c>WebhooksOptions.OperationalEvents</c>).
/// </summary>
public sealed class WebhookOperationalEventOptions
{
    /// <summary>Gets or sets a value indicating whether operational events are published (observers are called either way).</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets after how many failed attempts of one delivery <c>webhooks.delivery.failing</c> is sent, 1 to 100.</summary>
    /// <value>The default value is 3.</value>
    public int FailingAfterAttempts { get; set; } = 3;
}

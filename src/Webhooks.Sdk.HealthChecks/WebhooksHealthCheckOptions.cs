namespace Webhooks.Sdk.HealthChecks;

/// <summary>Thresholds of the webhook health check.</summary>
public sealed class WebhooksHealthCheckOptions
{
    /// <summary>
    /// Gets or sets how long the dispatcher loop may go without turning before the check is Unhealthy. The loop turns at
    /// least every <c>Dispatcher.PollInterval</c> when idle, and whenever a worker slot frees when busy.
    /// </summary>
    /// <value>The default value is 1 minute.</value>
    public TimeSpan DispatcherStallThreshold { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets the age of the oldest due delivery above which the check is Degraded (the dispatcher is not keeping up).</summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan OldestDueDegradedThreshold { get; set; } = TimeSpan.FromMinutes(5);
}

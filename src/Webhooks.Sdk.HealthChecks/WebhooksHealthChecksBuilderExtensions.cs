using Microsoft.Extensions.Diagnostics.HealthChecks;
using Webhooks.Sdk.HealthChecks;

#pragma warning disable IDE0130 // Extension methods live in the DI namespace, as Microsoft.Extensions.* do.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Adds the webhook health check to <c>services.AddHealthChecks()</c>.</summary>
public static class WebhooksHealthChecksBuilderExtensions
{
    /// <summary>The default name of the check.</summary>
    public const string DefaultName = "webhooks";

    /// <summary>
    /// Adds the webhook health check: Unhealthy when the store cannot be reached or the dispatcher loop stalls, Degraded
    /// when the oldest due delivery waits longer than a threshold. Needs <c>services.AddWebhooks()</c>.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="configure">Sets the thresholds.</param>
    /// <param name="name">The name of the check.</param>
    /// <param name="failureStatus">The status reported when unhealthy; Unhealthy by default.</param>
    /// <param name="tags">Tags to filter checks by (for example <c>ready</c>).</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddWebhooks(
        this IHealthChecksBuilder builder,
        Action<WebhooksHealthCheckOptions>? configure = null,
        string name = DefaultName,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var options = builder.Services.AddOptions<WebhooksHealthCheckOptions>(name);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(o => o.DispatcherStallThreshold > TimeSpan.Zero && o.OldestDueDegradedThreshold > TimeSpan.Zero, "WebhooksHealthCheckOptions: DispatcherStallThreshold and OldestDueDegradedThreshold must be greater than zero.");
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => ActivatorUtilities.CreateInstance<WebhooksHealthCheck>(sp),
            failureStatus,
            tags));
    }
}

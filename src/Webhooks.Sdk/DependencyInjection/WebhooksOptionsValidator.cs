using Microsoft.Extensions.Options;

namespace Webhooks.Sdk.DependencyInjection;

/// <summary>Validates <see cref="WebhooksOptions"/> at start; each message names the field and the allowed range.</summary>
internal sealed class WebhooksOptionsValidator : IValidateOptions<WebhooksOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhooksOptions options)
    {
        var errors = new List<string>();
        void Range(string field, double value, double min, double max, string unit = "")
        {
            if (double.IsNaN(value) || value < min || value > max)
            {
                errors.Add($"{field} must be between {min}{unit} and {max}{unit}, not {value}{unit}.");
            }
        }

        Range("MaxDestinationsPerTenant", options.MaxDestinationsPerTenant, 1, 100_000);
        Range("Dispatcher.MaxConcurrency", options.Dispatcher.MaxConcurrency, 1, 1024);
        Range("Dispatcher.MaxConcurrencyPerDestination", options.Dispatcher.MaxConcurrencyPerDestination, 1, 1024);
        Range("Dispatcher.PollInterval", options.Dispatcher.PollInterval.TotalSeconds, 0.01, 3600, " s");
        Range("Dispatcher.LeaseDuration", options.Dispatcher.LeaseDuration.TotalSeconds, 5, 86_400, " s");
        Range("Dispatcher.DestinationIdleTimeout", options.Dispatcher.DestinationIdleTimeout.TotalSeconds, 1, 86_400, " s");
        Range("Dispatcher.DestinationRefreshInterval", options.Dispatcher.DestinationRefreshInterval.TotalSeconds, 0.01, 3600, " s");
        Range("Dispatcher.StoreErrorDelay", options.Dispatcher.StoreErrorDelay.TotalSeconds, 0.01, 3600, " s");
        Range("Retry.BaseDelay", options.Retry.BaseDelay.TotalSeconds, 0, 86_400, " s");
        Range("Retry.Multiplier", options.Retry.Multiplier, 1, 10);
        Range("Retry.MaxDelay", options.Retry.MaxDelay.TotalSeconds, 0, 7 * 86_400, " s");
        Range("Retry.JitterFactor", options.Retry.JitterFactor, 0, 1);
        Range("Retry.MaxRetryAfter", options.Retry.MaxRetryAfter.TotalSeconds, 0, 7 * 86_400, " s");
        Range("Health.DisableAfterConsecutiveFailures", options.Health.DisableAfterConsecutiveFailures, 0, 1_000_000);
        Range("Health.BreakerFailureRatio", options.Health.BreakerFailureRatio, 0.01, 1);
        Range("Health.BreakerMinimumThroughput", options.Health.BreakerMinimumThroughput, 2, 1_000_000);
        Range("Health.BreakerSamplingDuration", options.Health.BreakerSamplingDuration.TotalSeconds, 0.5, 86_400, " s");
        Range("Health.BreakerBreakDuration", options.Health.BreakerBreakDuration.TotalSeconds, 0.5, 86_400, " s");
        Range("Safety.MaxPayloadBytes", options.Safety.MaxPayloadBytes, 1024, 64 * 1024 * 1024);
        Range("Safety.ResponseExcerptBytes", options.Safety.ResponseExcerptBytes, 0, 1024 * 1024);
        Range("Retention.HistoryRetention", options.Retention.HistoryRetention.TotalHours, 1, 24 * 3650, " h");
        Range("Retention.PurgeInterval", options.Retention.PurgeInterval.TotalSeconds, 1, 86_400 * 7, " s");
        Range("Retention.PurgeBatchSize", options.Retention.PurgeBatchSize, 1, 100_000);
        Range("OperationalEvents.FailingAfterAttempts", options.OperationalEvents.FailingAfterAttempts, 1, 100);
        if (options.Telemetry.QueueStatisticsInterval != TimeSpan.Zero)
        {
            Range("Telemetry.QueueStatisticsInterval", options.Telemetry.QueueStatisticsInterval.TotalSeconds, 1, 3600, " s");
        }
        if (options.Safety.Proxy is { IsAbsoluteUri: false })
        {
            errors.Add("Safety.Proxy must be an absolute URI.");
        }

        foreach (var pattern in options.DefaultSubscriptions)
        {
            if (Routing.SubscriptionSet.Validate(pattern) is { } problem)
            {
                errors.Add("DefaultSubscriptions: " + problem + ".");
            }
        }

        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var type in options.EventTypes)
        {
            if (string.IsNullOrWhiteSpace(type?.Name))
            {
                errors.Add("EventTypes: an event type has no name.");
            }
            else if (seen.TryGetValue(type.Name, out var other) && !string.Equals(other, type.Name, StringComparison.Ordinal))
            {
                errors.Add($"EventTypes: the event type '{type.Name}' differs only in case from '{other}'; event types are case-sensitive, register one spelling.");
            }
            else
            {
                seen.TryAdd(type.Name, type.Name);
            }
        }

        if (!Enum.IsDefined(options.Catalog.Mode))
        {
            errors.Add($"Catalog.Mode must be Open or Strict, not '{options.Catalog.Mode}'.");
        }
        else if (options.Catalog.Mode == WebhookCatalogMode.Strict && options.EventTypes.Count == 0)
        {
            errors.Add("Catalog.Mode is Strict but no event type is registered: register them with AddEventTypes(...) or EventTypes.");
        }

        if (string.IsNullOrWhiteSpace(options.EventTypeHeader) || string.IsNullOrWhiteSpace(options.AttemptHeader))
        {
            errors.Add("EventTypeHeader and AttemptHeader must not be empty.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

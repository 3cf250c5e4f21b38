namespace Webhooks.Sdk.Delivery;

/// <summary>Computes the delay before a retry: exponential backoff with jitter, or the destination's Retry-After within a cap.</summary>
internal static class RetrySchedule
{
    /// <summary>The delay before retry number <paramref name="retryNumber"/> (1 for the first retry).</summary>
    public static TimeSpan Delay(WebhookRetryOptions options, int retryNumber, TimeSpan? retryAfter, double random01)
    {
        if (retryAfter is { } asked)
        {
            return asked < TimeSpan.Zero ? TimeSpan.Zero : asked > options.MaxRetryAfter ? options.MaxRetryAfter : asked;
        }

        var exponent = Math.Max(0, retryNumber - 1);
        var seconds = options.BaseDelay.TotalSeconds * Math.Pow(options.Multiplier, exponent);
        seconds = Math.Min(seconds, options.MaxDelay.TotalSeconds);
        var jitter = 1 + (options.JitterFactor * ((2 * random01) - 1));
        return TimeSpan.FromSeconds(Math.Min(seconds * jitter, options.MaxDelay.TotalSeconds));
    }
}

using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Delivery;

/// <summary>
/// The per-delivery id sent as <c>webhook-delivery-id</c>: one value for a delivery's first attempt and its retries,
/// a new one for every redelivery. A redelivery is one attempt after the delivery had ended (its previous attempt
/// succeeded, answered 410, or was the last its retry count allowed); its id is the delivery id followed by
/// <c>-r</c> and the attempt number it started at.
/// </summary>
internal static class DeliveryRunId
{
    /// <summary>The default header name.</summary>
    public const string Header = "webhook-delivery-id";

    /// <summary>The header the GitHub signature preset uses instead.</summary>
    public const string GitHubHeader = "X-GitHub-Delivery";

    public static async ValueTask<string> ComputeAsync(IWebhookStore store, DeliveryRecord delivery, DestinationRuntime destination, int attemptNumber, CancellationToken cancellationToken)
    {
        if (attemptNumber <= 1)
        {
            return delivery.Id;
        }

        var attempts = await store.ListAttemptsAsync(delivery.TenantId, delivery.Id, cancellationToken).ConfigureAwait(false);
        var runStart = 1;
        foreach (var attempt in attempts.Where(a => a.Number < attemptNumber).OrderBy(a => a.Number))
        {
            // After the first end, every attempt is a one-attempt redelivery (a redelivery allows exactly one attempt).
            var ended = runStart > 1 || attempt.Success || attempt.StatusCode == 410 || attempt.Number >= 1 + destination.Config.RetryCount;
            if (ended)
            {
                runStart = attempt.Number + 1;
            }
        }

        return runStart == 1 ? delivery.Id : delivery.Id + "-r" + runStart.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;

namespace Webhooks.Sdk.Samples.Quickstart;

/// <summary>The quickstart's plumbing: store choice, destination from arguments, waiting and printing.</summary>
internal static class QuickstartSetup
{
    public static void ConfigureStore(IWebhooksBuilder webhooks, QuickstartArguments arguments)
    {
        if (arguments.Store is null or "memory")
        {
            return;
        }

        if (arguments.Store.StartsWith("sqlite:", StringComparison.Ordinal) && arguments.Store.Length > "sqlite:".Length)
        {
            var path = arguments.Store["sqlite:".Length..];
            webhooks.UseSqliteStore(path);

            // A durable store needs a key for the secrets it keeps; the sample keeps one beside the database unless --key is given.
            if (arguments.Key is not null)
            {
                webhooks.Services.Configure<WebhooksOptions>(o => o.Secrets.Key = arguments.Key);
                return;
            }

            var keyFile = path + ".key";
            if (!File.Exists(keyFile))
            {
                File.WriteAllText(keyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
            }

            webhooks.Services.Configure<WebhooksOptions>(o => o.Secrets.KeyFile = keyFile);
            return;
        }

        throw new ArgumentException($"--store '{arguments.Store}' is not supported; use memory or sqlite:PATH");
    }

    public static WebhookDestinationDefinition Destination(QuickstartArguments arguments) => new()
    {
        Name = "quickstart",
        Url = arguments.Url!,
        Format = arguments.Format,
        FormatSettings = new Dictionary<string, string>(arguments.Settings, StringComparer.OrdinalIgnoreCase),
        RetryCount = 2,
        Auth = arguments.Secret is null ? null : HmacSignatureWebhookAuth.StandardWebhooks(arguments.Secret),
    };

    public static async Task<IReadOnlyList<WebhookDelivery>> WaitForFinalAsync(IWebhookDeliveryLog log, IReadOnlyList<string> ids, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var deliveries = new List<WebhookDelivery>();
            foreach (var id in ids)
            {
                deliveries.Add(await log.GetAsync(id));
            }

            if (deliveries.All(d => d.Status != WebhookDeliveryStatus.Pending) || DateTime.UtcNow > deadline)
            {
                return deliveries;
            }

            await Task.Delay(100);
        }
    }

    public static async Task PrintAsync(IWebhookDeliveryLog log, IWebhookDestinationManager destinations, IReadOnlyList<WebhookDelivery> deliveries)
    {
        Console.WriteLine($"{"destination",-12} {"event type",-16} {"status",-10} {"attempt",7} {"http",5} {"ms",6}  error");
        Console.WriteLine(new string('-', 78));
        foreach (var delivery in deliveries)
        {
            var name = (await destinations.GetAsync(delivery.DestinationId)).Name;
            foreach (var attempt in await log.ListAttemptsAsync(delivery.Id))
            {
                Console.WriteLine($"{name,-12} {delivery.EventType,-16} {(attempt.Success ? "ok" : "failed"),-10} {attempt.Number,7} {attempt.StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",5} {attempt.Duration.TotalMilliseconds,6:0}  {attempt.Error}");
            }

            if (delivery.Status == WebhookDeliveryStatus.Pending)
            {
                Console.WriteLine($"{name,-12} {delivery.EventType,-16} {"pending",-10} {"",7} {"",5} {"",6}  next attempt at {delivery.NextAttemptAt:HH:mm:ss}");
            }
        }

        var succeeded = deliveries.Count(d => d.Status == WebhookDeliveryStatus.Succeeded);
        Console.WriteLine(new string('-', 78));
        Console.WriteLine($"{deliveries.Count} deliveries: {succeeded} succeeded, {deliveries.Count - succeeded} not delivered.");
    }
}

using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Formatting;

namespace Webhooks.Sdk.Tests.Formatting;

/// <summary>Builds formatting contexts for a sample event without a host.</summary>
internal static class FormatTestKit
{
    public static readonly DateTimeOffset SampleTime = new(2026, 1, 15, 10, 30, 0, 123, TimeSpan.Zero);

    /// <summary>The reference document's sample event.</summary>
    public static WebhookEvent Sample(Func<WebhookEvent, WebhookEvent>? change = null)
    {
        var evt = new WebhookEvent
        {
            Id = "evt_01JABC",
            Type = "user.login.failed",
            OccurredAt = SampleTime,
            Title = "Login failed for alice",
            Summary = "3 failed attempts; account locked.",
            Severity = WebhookSeverity.Error,
            Source = "auth-service",
            Data = JsonSerializer.SerializeToElement(new { user = "alice" }),
        };
        return change is null ? evt : change(evt);
    }

    public static WebhookDestination Destination(string format, IDictionary<string, string>? settings = null, WebhookTextFormat text = WebhookTextFormat.Markdown, string url = "https://hooks.example.com/hook")
        => new()
        {
            Id = "dst",
            TenantId = "default",
            Name = "test",
            Url = url,
            Enabled = true,
            Method = "POST",
            Format = format,
            Auth = WebhookAuthDescription.None,
            Headers = new Dictionary<string, string>(),
            Subscriptions = [],
            RetryCount = 3,
            AttemptTimeout = TimeSpan.FromSeconds(5),
            FormatSettings = new Dictionary<string, string>(settings ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase),
            TextFormat = text,
            CreatedAt = SampleTime,
            UpdatedAt = SampleTime,
        };

    public static WebhookFormatContext Context(WebhookEvent evt, WebhookDestination destination, string? correlationId = null)
        => new() { Event = evt, Destination = destination, Envelope = EnvelopeSerializer.Serialize(evt), CorrelationId = correlationId };

    public static IWebhookFormatter Formatter(string name)
    {
        var services = new ServiceCollection();
        services.AddWebhooks();
        using var provider = services.BuildServiceProvider();
        return provider.GetServices<IWebhookFormatter>().Single(f => f.Name == name);
    }

    public static WebhookPayload Format(string format, WebhookEvent evt, IDictionary<string, string>? settings = null, WebhookTextFormat text = WebhookTextFormat.Markdown, string? correlationId = null)
        => Formatter(format).Format(Context(evt, Destination(format, settings, text), correlationId));

    public static string Body(WebhookPayload payload) => Encoding.UTF8.GetString(payload.Body.Span);

    public static JsonElement Json(WebhookPayload payload) => JsonDocument.Parse(payload.Body).RootElement.Clone();

    public static CachedEvent Cached(WebhookEvent evt) => new(evt, EnvelopeSerializer.Serialize(evt));
}

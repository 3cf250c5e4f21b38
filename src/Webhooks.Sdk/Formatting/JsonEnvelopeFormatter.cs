namespace Webhooks.Sdk.Formatting;

/// <summary>The default format: the event's JSON envelope, serialized once per event and shared by every destination.</summary>
internal sealed class JsonEnvelopeFormatter : IWebhookFormatter
{
    public string Name => WebhookFormats.Json;

    public WebhookPayload Format(WebhookFormatContext context)
        => new() { Body = context.Envelope, ContentType = "application/json" };
}

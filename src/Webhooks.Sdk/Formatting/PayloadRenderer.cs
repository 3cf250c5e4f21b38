using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Templates;

namespace Webhooks.Sdk.Formatting;

/// <summary>
/// Turns an event into the final payload for one destination: the formatter's rendering (cached per event and format),
/// or the destination's body template; templated URL and header values; and, for the update step of a
/// create-then-update flow, the update method, URL and body.
/// </summary>
internal static class PayloadRenderer
{
    public const string DefaultTemplateContentType = "application/json";

    public static WebhookPayload Render(IWebhookFormatter formatter, CachedEvent cached, WebhookDestination destination, string? correlationId)
    {
        var update = correlationId is not null && destination.Correlation is not null;
        var context = new WebhookFormatContext
        {
            Event = cached.Event,
            Destination = destination,
            Envelope = cached.Envelope,
            CorrelationId = correlationId,
        };
        var bodyTemplate = update ? destination.Correlation!.UpdateBodyTemplate ?? destination.BodyTemplate : destination.BodyTemplate;
        var templatedUrl = destination.Url.Contains("${", StringComparison.Ordinal);
        var templatedHeaders = destination.Headers.Any(h => h.Value.Contains("${", StringComparison.Ordinal));
        if (bodyTemplate is null && !update && !templatedUrl && !templatedHeaders)
        {
            return cached.Render(formatter, context);
        }

        var values = TemplateValues.From(context);
        WebhookPayload payload;
        if (bodyTemplate is null)
        {
            payload = cached.Render(formatter, context);
        }
        else
        {
            var contentType = destination.FormatSettings.TryGetValue("contentType", out var ct) && !string.IsNullOrWhiteSpace(ct) ? ct : DefaultTemplateContentType;
            var escaping = TemplateValidation.IsJson(contentType) ? TemplateEscaping.Json : TemplateEscaping.None;
            payload = new WebhookPayload
            {
                Body = System.Text.Encoding.UTF8.GetBytes(TemplateEngine.Render(bodyTemplate, values, escaping)),
                ContentType = contentType,
            };
        }

        var url = payload.Url;
        if (update)
        {
            url = TemplateEngine.Render(destination.Correlation!.UpdateUrl, values, TemplateEscaping.Url);
        }
        else if (url is null && templatedUrl)
        {
            url = TemplateEngine.Render(destination.Url, values, TemplateEscaping.Url);
        }

        var headers = payload.Headers;
        if (templatedHeaders)
        {
            var list = new List<KeyValuePair<string, string>>(payload.Headers ?? []);
            foreach (var (name, value) in destination.Headers)
            {
                if (value.Contains("${", StringComparison.Ordinal))
                {
                    var rendered = TemplateEngine.Render(value, values, TemplateEscaping.None).Replace('\r', ' ').Replace('\n', ' ');
                    list.Add(new(name, rendered));
                }
            }

            headers = list;
        }

        return new WebhookPayload
        {
            Body = payload.Body,
            ContentType = payload.ContentType,
            Method = update ? destination.Correlation!.UpdateMethod.Trim().ToUpperInvariant() : payload.Method,
            Url = url,
            Headers = headers,
        };
    }
}

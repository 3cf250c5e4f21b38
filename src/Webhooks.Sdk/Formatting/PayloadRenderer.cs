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

    /// <summary>The longest rendered URL, in characters.</summary>
    public const int MaxUrlLength = 8192;

    /// <summary>The longest rendered header value, in characters.</summary>
    public const int MaxHeaderValueLength = 8192;

    public static WebhookPayload Render(IWebhookFormatter formatter, CachedEvent cached, WebhookDestination destination, string? correlationId)
        => Render(formatter, cached, destination, correlationId, 1024 * 1024);

    /// <summary>Renders; throws <see cref="TemplateRenderException"/> when the body, URL or a header value passes its limit.</summary>
    public static WebhookPayload Render(IWebhookFormatter formatter, CachedEvent cached, WebhookDestination destination, string? correlationId, int maxBodyBytes)
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
            return CheckBody(cached.Render(formatter, context), maxBodyBytes);
        }

        var values = TemplateValues.From(context);
        WebhookPayload payload;
        if (bodyTemplate is null)
        {
            payload = CheckBody(cached.Render(formatter, context), maxBodyBytes);
        }
        else
        {
            var contentType = destination.FormatSettings.TryGetValue("contentType", out var ct) && !string.IsNullOrWhiteSpace(ct) ? ct : DefaultTemplateContentType;
            var escaping = TemplateValidation.IsJson(contentType) ? TemplateEscaping.Json : TemplateEscaping.None;
            payload = new WebhookPayload
            {
                Body = Encode(TemplateEngine.Render(bodyTemplate, values, escaping, null, maxBodyBytes, "body (Safety.MaxRenderedBodyBytes)"), maxBodyBytes),
                ContentType = contentType,
            };
        }

        var url = payload.Url;
        if (update)
        {
            url = TemplateEngine.Render(destination.Correlation!.UpdateUrl, values, TemplateEscaping.PathSegment, null, MaxUrlLength, "update URL");
        }
        else if (url is null && templatedUrl)
        {
            url = TemplateEngine.Render(destination.Url, values, TemplateEscaping.PathSegment, null, MaxUrlLength, "URL");
        }

        var headers = payload.Headers;
        if (templatedHeaders)
        {
            var list = new List<KeyValuePair<string, string>>(payload.Headers ?? []);
            foreach (var (name, value) in destination.Headers)
            {
                if (value.Contains("${", StringComparison.Ordinal))
                {
                    var rendered = TemplateEngine.Render(value, values, TemplateEscaping.Header, null, MaxHeaderValueLength, $"header '{name}'");
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

    private static WebhookPayload CheckBody(WebhookPayload payload, int maxBodyBytes)
        => payload.Body.Length > maxBodyBytes
            ? throw new TemplateRenderException($"The rendered body is {payload.Body.Length} bytes; the limit is {maxBodyBytes} bytes (Safety.MaxRenderedBodyBytes).")
            : payload;

    private static byte[] Encode(string text, int maxBodyBytes)
    {
        var count = System.Text.Encoding.UTF8.GetByteCount(text);
        if (count > maxBodyBytes)
        {
            throw new TemplateRenderException($"The rendered body is {count} bytes; the limit is {maxBodyBytes} bytes (Safety.MaxRenderedBodyBytes).");
        }

        return System.Text.Encoding.UTF8.GetBytes(text);
    }
}

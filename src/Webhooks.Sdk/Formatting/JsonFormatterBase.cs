using System.Text.Json;

namespace Webhooks.Sdk.Formatting;

/// <summary>A formatter whose body is one JSON document written with a <see cref="Utf8JsonWriter"/>.</summary>
internal abstract class JsonFormatterBase : IWebhookFormatter
{
    public abstract string Name { get; }

    public virtual IReadOnlyCollection<string> SecretSettings => [];

    public virtual void Validate(WebhookDestinationDefinition destination, IList<WebhookValidationError> errors)
    {
    }

    /// <summary>By default the rendering depends on the text format and the format settings; update requests (with a correlation id) are not shared.</summary>
    public virtual string? GetCacheKey(WebhookFormatContext context)
    {
        if (context.CorrelationId is not null)
        {
            return null;
        }

        var text = ((int)context.Destination.TextFormat).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var settings = context.Destination.FormatSettings;
        return settings.Count == 0
            ? text
            : text + "|" + string.Join('|', settings.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase).Select(p => p.Key + "=" + p.Value));
    }

    public virtual WebhookPayload Format(WebhookFormatContext context)
        => new() { Body = FormatKit.Json(w => Write(w, context)), ContentType = FormatKit.JsonContentType };

    protected abstract void Write(Utf8JsonWriter writer, WebhookFormatContext context);

    protected static void Require(WebhookDestinationDefinition destination, string key, string why, IList<WebhookValidationError> errors)
    {
        if (FormatKit.Setting(destination, key) is null)
        {
            errors.Add(new("FormatSettings." + key, $"is required by format '{destination.Format}': {why}"));
        }
    }

    /// <summary>Renders with shrinking budgets until the UTF-8 body fits <paramref name="maxBytes"/>: fewer data fields first, then a shorter summary.</summary>
    protected static byte[] Fit(int maxBytes, int fieldCount, int summaryChars, Func<int, int, byte[]> render)
    {
        var body = render(fieldCount, summaryChars);
        while (body.Length > maxBytes)
        {
            if (fieldCount > 0)
            {
                fieldCount /= 2;
            }
            else if (summaryChars > 16)
            {
                summaryChars /= 2;
            }
            else
            {
                break;
            }

            body = render(fieldCount, summaryChars);
        }

        return body;
    }
}

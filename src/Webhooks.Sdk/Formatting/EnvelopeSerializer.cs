using System.Text.Json;

namespace Webhooks.Sdk.Formatting;

/// <summary>Writes the default envelope <c>{id, type, timestamp, data, metadata}</c> with a <see cref="Utf8JsonWriter"/>.</summary>
internal static class EnvelopeSerializer
{
    public static byte[] Serialize(WebhookEvent evt) => Internal.PooledJsonWriter.Write(evt, Write);

    public static void Write(Utf8JsonWriter writer, WebhookEvent evt)
    {
        writer.WriteStartObject();
        writer.WriteString("id", evt.Id);
        writer.WriteString("type", evt.Type);
        writer.WriteString("timestamp", evt.OccurredAt!.Value.ToUniversalTime());
        writer.WritePropertyName("data");
        if (evt.Data is { } data)
        {
            data.WriteTo(writer);
        }
        else
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }

        writer.WriteStartObject("metadata");
        WriteIfSet(writer, "title", evt.Title);
        WriteIfSet(writer, "summary", evt.Summary);
        if (evt.Severity is { } severity)
        {
            writer.WriteString("severity", SeverityName(severity));
        }

        WriteIfSet(writer, "source", evt.Source);
        WriteIfSet(writer, "subject", evt.Subject);
        WriteIfSet(writer, "correlationKey", evt.CorrelationKey);
        if (evt.Metadata is { Count: > 0 } metadata)
        {
            foreach (var (key, value) in metadata)
            {
                writer.WriteString(key, value);
            }
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static string SeverityName(WebhookSeverity severity) => severity switch
    {
        WebhookSeverity.Debug => "debug",
        WebhookSeverity.Info => "info",
        WebhookSeverity.Warning => "warning",
        WebhookSeverity.Error => "error",
        WebhookSeverity.Critical => "critical",
        WebhookSeverity.Resolved => "resolved",
        _ => "info",
    };

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}

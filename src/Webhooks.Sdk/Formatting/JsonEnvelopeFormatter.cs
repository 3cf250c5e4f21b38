using System.Text.Json;

namespace Webhooks.Sdk.Formatting;

/// <summary>
/// The default format: the event's JSON envelope, serialized once per event and shared by every destination, with the
/// destination's id and name written at the start of its <c>metadata</c> (<c>destinationId</c>,
/// <c>destinationName</c>). Per destination this is one copy of the shared bytes with the two members spliced in;
/// the event is never serialized again.
/// </summary>
internal sealed class JsonEnvelopeFormatter : IWebhookFormatter
{
    public string Name => WebhookFormats.Json;

    /// <summary>The body depends on the destination (its id and name), so it is not shared; the splice is cheap.</summary>
    public string? GetCacheKey(WebhookFormatContext context) => null;

    public WebhookPayload Format(WebhookFormatContext context)
        => new() { Body = WithDestination(context.Envelope, context.Destination.Id, context.Destination.Name), ContentType = "application/json" };

    /// <summary>Inserts <c>"destinationId":…,"destinationName":…</c> as the first members of the envelope's <c>metadata</c> object.</summary>
    internal static byte[] WithDestination(ReadOnlyMemory<byte> envelope, string id, string name)
    {
        var open = MetadataObjectStart(envelope.Span);
        if (open < 0)
        {
            return envelope.ToArray();
        }

        var writer = Internal.PooledJsonWriter.Rent(out var insert);
        writer.WriteStartObject();
        writer.WriteString("destinationId", id);
        writer.WriteString("destinationName", name);
        writer.WriteEndObject();
        writer.Flush();

        // {"destinationId":"…","destinationName":"…"} without its braces.
        var members = insert.WrittenSpan[1..^1];
        var empty = envelope.Span[open + 1] == (byte)'}';
        var result = new byte[envelope.Length + members.Length + (empty ? 0 : 1)];
        envelope.Span[..(open + 1)].CopyTo(result);
        members.CopyTo(result.AsSpan(open + 1));
        var offset = open + 1 + members.Length;
        if (!empty)
        {
            result[offset++] = (byte)',';
        }

        envelope.Span[(open + 1)..].CopyTo(result.AsSpan(offset));
        return result;
    }

    /// <summary>The offset of the <c>{</c> that opens the top-level <c>metadata</c> value, or -1.</summary>
    private static int MetadataObjectStart(ReadOnlySpan<byte> envelope)
    {
        var reader = new Utf8JsonReader(envelope);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return -1;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isMetadata = reader.ValueTextEquals("metadata"u8);
            reader.Read();
            if (isMetadata && reader.TokenType == JsonTokenType.StartObject)
            {
                return (int)reader.TokenStartIndex;
            }

            reader.Skip();
        }

        return -1;
    }
}

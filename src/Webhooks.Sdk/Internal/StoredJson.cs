using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Webhooks.Sdk.Destinations;

namespace Webhooks.Sdk.Internal;

/// <summary>
/// Source-generated serialization of what stores keep as JSON (the event, a destination's settings): no reflection,
/// the same shape as <see cref="DestinationConfig.JsonOptions"/> (web names, nulls left out, enums as names).
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(WebhookEvent))]
[JsonSerializable(typeof(DestinationConfig))]
internal sealed partial class StoredJsonContext : JsonSerializerContext;

/// <summary>
/// A per-thread JSON writer and buffer for the hot paths that serialize once per publish (the event, its envelope):
/// the only allocation left is the returned array.
/// </summary>
internal static class PooledJsonWriter
{
    private const int KeepAtMost = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>Writes with <paramref name="write"/> and returns the bytes written.</summary>
    /// <typeparam name="TState">What the writer needs.</typeparam>
    /// <param name="state">The state.</param>
    /// <param name="write">Writes the value.</param>
    /// <returns>The bytes.</returns>
    public static byte[] Write<TState>(TState state, Action<Utf8JsonWriter, TState> write)
    {
        var writer = Rent(out var buffer);
        write(writer, state);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Gets this thread's writer, reset onto its emptied buffer. The caller flushes it and reads
    /// <paramref name="buffer"/>'s written bytes before anything else on the thread rents it.
    /// </summary>
    /// <param name="buffer">The buffer the writer writes to.</param>
    /// <returns>The writer.</returns>
    public static Utf8JsonWriter Rent(out ArrayBufferWriter<byte> buffer)
    {
        if (t_buffer is not { Capacity: <= KeepAtMost })
        {
            // First use on this thread, or a large event grew the buffer: start small again.
            t_buffer = new ArrayBufferWriter<byte>(1024);
            t_writer = null;
        }

        buffer = t_buffer;
        buffer.ResetWrittenCount();
        var writer = t_writer;
        if (writer is null)
        {
            writer = t_writer = new Utf8JsonWriter(buffer);
        }
        else
        {
            writer.Reset(buffer);
        }

        return writer;
    }
}

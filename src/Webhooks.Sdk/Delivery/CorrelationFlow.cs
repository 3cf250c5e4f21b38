using System.Text.Json;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Delivery;

/// <summary>
/// The create-then-update step of one delivery. With correlation settings and a correlation key: no stored id means
/// "create" (the normal request; the response body is captured to read the id at <c>IdPath</c>), a stored id means
/// "update" (method, URL and body from the correlation settings, <c>${correlationId}</c> = the id, encoded as one path
/// segment). When a create ends without an id (failed for good, no id at the path, an id longer than
/// <see cref="MaxIdLength"/> or made only of dots) nothing is stored, so a redelivery of the create, or the key's next event, creates again.
/// A 410 Gone on an update means the item was deleted: the id is cleared (the next event creates) and the destination
/// stays enabled. An empty stored id counts as no id, which is how an id is cleared.
/// </summary>
internal sealed class CorrelationFlow
{
    /// <summary>The longest id read from a create response; a longer one counts as not obtained.</summary>
    public const int MaxIdLength = 256;

    private static readonly CorrelationFlow None = new(null, null, null);
    private readonly string? _key;

    private CorrelationFlow(string? key, string? correlationId, ResponseCapture? capture)
    {
        _key = key;
        CorrelationId = correlationId;
        Capture = capture;
    }

    /// <summary>Gets the id for an update (empty when the create produced none), or <see langword="null"/> for a create or a plain delivery.</summary>
    public string? CorrelationId { get; }

    /// <summary>Gets where the create response is captured, or <see langword="null"/> when not creating.</summary>
    public ResponseCapture? Capture { get; }

    /// <summary>Gets a value indicating whether this delivery is the update of an existing item.</summary>
    public bool IsUpdate => _key is not null && Capture is null;

    /// <summary>
    /// Reads a 410 Gone from an update URL as "the item was deleted", not "stop sending to this destination": the
    /// attempt stays a final failure of this delivery, with an error that says so, and the destination is kept.
    /// </summary>
    public AttemptOutcome Classify(AttemptOutcome outcome)
        => IsUpdate && outcome.Result.Gone
            ? outcome with
            {
                KeepDestination = true,
                Result = outcome.Result with
                {
                    Error = $"HTTP 410 Gone from the update URL: the item '{CorrelationId}' was deleted. Its id is forgotten, so the next event for this key creates a new item; the destination stays enabled.",
                },
            }
            : outcome;

    public static ValueTask<CorrelationFlow> BeginAsync(IWebhookStore store, DestinationRuntime destination, WebhookEvent evt, CancellationToken cancellationToken)
        => destination.Public.Correlation is null || string.IsNullOrEmpty(evt.CorrelationKey)
            ? ValueTask.FromResult(None)
            : LookUpAsync(store, destination, evt, cancellationToken);

    private static async ValueTask<CorrelationFlow> LookUpAsync(IWebhookStore store, DestinationRuntime destination, WebhookEvent evt, CancellationToken cancellationToken)
    {
        var id = await store.GetCorrelationIdAsync(destination.TenantId, destination.Id, evt.CorrelationKey!, cancellationToken).ConfigureAwait(false);
        return string.IsNullOrEmpty(id) ? new CorrelationFlow(evt.CorrelationKey!, null, new ResponseCapture()) : new CorrelationFlow(evt.CorrelationKey, id, null);
    }

    public async Task CompleteAsync(IWebhookStore store, DestinationRuntime destination, AttemptOutcome outcome, bool final, CancellationToken cancellationToken)
    {
        if (IsUpdate && outcome.KeepDestination)
        {
            await store.SetCorrelationIdAsync(destination.TenantId, destination.Id, _key!, string.Empty, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (_key is null || Capture is null || !final)
        {
            return;
        }

        var id = outcome.Result.Success ? ReadId(outcome.ResponseBody, destination.Public.Correlation!.IdPath) : null;
        if (id is not null)
        {
            await store.SetCorrelationIdAsync(destination.TenantId, destination.Id, _key, id, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the value at a dotted path (<c>result.sys_id</c>, <c>ticket.id</c>, <c>items.0.key</c>) of a JSON body.</summary>
    internal static string? ReadId(string? body, string path)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var current = document.RootElement;
            foreach (var part in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
            {
                if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(part, out var child))
                {
                    current = child;
                }
                else if (current.ValueKind == JsonValueKind.Array && int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i) && i < current.GetArrayLength())
                {
                    current = current[i];
                }
                else
                {
                    return null;
                }
            }

            var id = current.ValueKind switch
            {
                JsonValueKind.String => current.GetString() is { Length: > 0 } s ? s : null,
                JsonValueKind.Number => current.GetRawText(),
                _ => null,
            };
            // Too long, or only dots ('.' and '..' would climb the update URL's path): not an id.
            return id is { Length: <= MaxIdLength } && !id.AsSpan().Trim('.').IsEmpty ? id : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

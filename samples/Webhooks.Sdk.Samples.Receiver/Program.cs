// A receiver that verifies Standard Webhooks signatures and drops duplicate deliveries.
//
//   WEBHOOK_SECRET=whsec_... dotnet run --project samples/Webhooks.Sdk.Samples.Receiver --urls http://127.0.0.1:5080
//
// Point a destination at http://127.0.0.1:5080/webhooks with HmacSignatureWebhookAuth.StandardWebhooks(secret)
// (plain http to loopback needs the sender's development opt-in).
using Webhooks.Sdk;

var builder = WebApplication.CreateSlimBuilder(args);
var secret = builder.Configuration["WEBHOOK_SECRET"]
    ?? throw new InvalidOperationException("Set WEBHOOK_SECRET to the destination's whsec_ secret.");

// Accept deliveries whose timestamp is within 5 minutes of now (both directions); remember ids for a day.
builder.Services.AddSingleton(new StandardWebhooksVerifier(secret));
builder.Services.AddSingleton(new WebhookIdDeduplicator(TimeSpan.FromHours(24)));

var app = builder.Build();

app.MapPost("/webhooks", async (HttpRequest request, StandardWebhooksVerifier verifier, WebhookIdDeduplicator seen, ILogger<Program> logger) =>
{
    // Verify over the raw bytes exactly as received: re-serialized JSON would not match the signature.
    using var buffer = new MemoryStream();
    await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
    var body = buffer.ToArray();
    try
    {
        verifier.Verify(name => request.Headers.TryGetValue(name, out var value) ? value.ToString() : null, body);
    }
    catch (WebhookVerificationException ex)
    {
        Log.Rejected(logger, ex.Failure);
        return Results.Unauthorized();
    }

    var id = request.Headers["webhook-id"].ToString();
    if (!seen.TryMarkSeen(id))
    {
        // Delivery is at-least-once: a retry of something already processed is acknowledged and ignored.
        return Results.NoContent();
    }

    Log.Accepted(logger, id, body.Length);
    return Results.NoContent();
});

app.Run();

/// <summary>The sample's entry point.</summary>
public partial class Program;

/// <summary>The sample's log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning, "Rejected a delivery: {Failure}")]
    public static partial void Rejected(ILogger logger, WebhookVerificationFailure failure);

    [LoggerMessage(2, LogLevel.Information, "Accepted {Id} ({Length} bytes)")]
    public static partial void Accepted(ILogger logger, string id, int length);
}

// A fresh app built from the packed Webhooks.Sdk packages: SQLite store, management API, one event delivered to a
// local receiver. Exits 0 when the receiver got the event, 1 otherwise.
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Webhooks.Sdk;
using Webhooks.Sdk.AspNetCore;
using Webhooks.Sdk.Testing;

await using var receiver = await LocalWebhookReceiver.StartAsync();
var database = Path.Combine(Path.GetTempPath(), $"webhooks-consumer-{Guid.NewGuid():N}.db");

var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseUrls("http://127.0.0.1:0");
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddWebhooks(options =>
    {
        options.Safety.DangerouslyAllowLoopbackForDevelopment(); // the receiver is on 127.0.0.1
        options.Safety.DangerouslyAllowHttp = true;
        // A durable store keeps destination secrets encrypted; a real app reads its key from configuration.
        options.Secrets.Key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    })
    .UseSqliteStore(database)
    .AddEventTypes(new EventTypeDefinition("order.created", "An order was placed."));

builder.Services.AddWebhooksApi();

// Every request is the administrator: enough to prove the API mounts; a real app uses its own authentication.
builder.Services.AddAuthentication("Consumer").AddScheme<AuthenticationSchemeOptions, AdminHandler>("Consumer", null);
builder.Services.AddAuthorization(o =>
{
    o.AddPolicy("Webhooks.Read", p => p.RequireRole("admin"));
    o.AddPolicy("Webhooks.Write", p => p.RequireRole("admin"));
});

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapWebhooksApi("/api/webhooks");
await app.StartAsync();

try
{
    using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
    var created = await http.PostAsJsonAsync("/api/webhooks/destinations", new
    {
        name = "orders",
        url = receiver.Url("/orders").ToString(),
        subscriptions = new[] { "order.created" },
    });
    if (!created.IsSuccessStatusCode)
    {
        Console.Error.WriteLine($"package consumer: creating a destination answered {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
        return 1;
    }

    var publisher = app.Services.GetRequiredService<IWebhookPublisher>();
    await publisher.PublishAsync(WebhookEvent.Create("order.created", new { orderId = 1001 }));
    var requests = await receiver.WaitForRequestsAsync(1, TimeSpan.FromSeconds(30));
    var version = typeof(IWebhookPublisher).Assembly.GetName().Version?.ToString(3);
    Console.WriteLine($"package consumer: {requests.Count} event delivered to {requests[0].Path} through Webhooks.Sdk {version} packages");
    return 0;
}
catch (TimeoutException ex)
{
    Console.Error.WriteLine("package consumer: " + ex.Message);
    return 1;
}
finally
{
    await app.StopAsync();
    await app.DisposeAsync();
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    File.Delete(database);
}

/// <summary>Authenticates every request as an administrator.</summary>
internal sealed class AdminHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "consumer"), new Claim(ClaimTypes.Role, "admin")], Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }
}

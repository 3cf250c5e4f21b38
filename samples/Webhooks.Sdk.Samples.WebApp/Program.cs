// The management API and the dashboard on the embedded SQLite store, behind two bearer tokens.
//
//   dotnet run --project samples/Webhooks.Sdk.Samples.WebApp -- --urls http://127.0.0.1:5080
//
// The dashboard is at http://127.0.0.1:5080/webhooks/; in Development, /sample/sign-in takes either token and keeps
// it in a cookie for the browser.
//
// Set Sample:AdminToken and Sample:ViewerToken (or Sample__AdminToken / Sample__ViewerToken) to choose the tokens;
// otherwise random ones are printed at start. docs/management-api.md has a curl example for every route.
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Webhooks.Sdk;
using Webhooks.Sdk.Samples.WebApp;

var builder = WebApplication.CreateBuilder(args);
var tokens = SampleTokens.Read(builder.Configuration);
var database = builder.Configuration["Sample:Database"] is { Length: > 0 } configured
    ? configured
    : Path.Combine(AppContext.BaseDirectory, "webhooks-sample.db");
var keyFile = SampleKey.EnsureKeyFile(database + ".key");
var development = builder.Environment.IsDevelopment();

// Who may do what: viewers read, administrators also write. The API refuses to map until both policies exist.
builder.Services.AddSingleton(tokens);
builder.Services.AddAuthentication(SampleBearerHandler.SchemeName)
    .AddScheme<AuthenticationSchemeOptions, SampleBearerHandler>(SampleBearerHandler.SchemeName, null);
builder.Services.AddAuthorization(o =>
{
    o.AddPolicy("Webhooks.Read", p => p.RequireRole(SampleTokens.AdminRole, SampleTokens.ViewerRole));
    o.AddPolicy("Webhooks.Write", p => p.RequireRole(SampleTokens.AdminRole));
});

builder.Services.AddWebhooks(builder.Configuration.GetSection("Webhooks"))
    .UseSqliteStore(database)
    .AddEventTypes(
        new EventTypeDefinition("order.created", "An order was placed.", JsonSerializer.SerializeToElement(new { orderId = "ord_1001", total = 42.50, currency = "EUR" })),
        new EventTypeDefinition("order.shipped", "An order left the warehouse.", JsonSerializer.SerializeToElement(new { orderId = "ord_1001", carrier = "DHL", trackingNumber = "JD0146000012345" })),
        new EventTypeDefinition("invoice.overdue", "An invoice is past its due date.", JsonSerializer.SerializeToElement(new { invoiceId = "inv_2001", daysOverdue = 14 })));
builder.Services.Configure<WebhooksOptions>(o =>
{
    if (string.IsNullOrWhiteSpace(o.Secrets.Key) && string.IsNullOrWhiteSpace(o.Secrets.KeyFile))
    {
        o.Secrets.KeyFile = keyFile;
    }

    if (development)
    {
        // Lets the sample send to a receiver on this machine (http://127.0.0.1:…), such as /sample/receiver below.
        o.Safety.DangerouslyAllowLoopbackForDevelopment();
    }
});
builder.Services.AddWebhooksApi();
builder.Services.AddWebhooksDashboard();

var app = builder.Build();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();

app.MapWebhooksApi("/api/webhooks");

// The dashboard, behind the same two policies; in Development a sign-in page sets a cookie for the browser.
app.MapWebhooksDashboard("/webhooks");
if (development)
{
    SampleSignIn.Map(app);
}

// A local receiver to try destinations against: it accepts every delivery and logs its type.
app.MapPost("/sample/receiver", (HttpRequest request, ILogger<SampleTokens> logger) =>
{
    var eventType = request.Headers["webhook-event-type"].ToString();
    var webhookId = request.Headers["webhook-id"].ToString();
    SampleLog.Received(logger, eventType, webhookId);
    return Results.Text("received");
}).AllowAnonymous();

app.MapGet("/", () => Results.Text("Webhooks sample: the management API is at /api/webhooks (OpenAPI: /api/webhooks/openapi.json); the dashboard is at /webhooks/ (sign in at /sample/sign-in in Development).")).AllowAnonymous();

app.Lifetime.ApplicationStarted.Register(() =>
{
    var logger = app.Services.GetRequiredService<ILogger<SampleTokens>>();
    if (development)
    {
        SampleLog.LoopbackAllowed(logger);
    }

    if (tokens.Generated)
    {
        Console.WriteLine("Bearer tokens for this run (set Sample:AdminToken and Sample:ViewerToken to choose your own):");
        Console.WriteLine($"  export ADMIN_TOKEN={tokens.Admin}    # read and write");
        Console.WriteLine($"  export VIEWER_TOKEN={tokens.Viewer}    # read only");
    }

    SampleLog.Database(logger, database);
});

await app.RunAsync();

using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.AspNetCore;

namespace Webhooks.Sdk.AspNetCore.Tests.Api;

/// <summary>A real Kestrel host on 127.0.0.1 (port 0) with the management API, bearer tokens for two roles in two tenants.</summary>
internal sealed class ApiTestHost : IAsyncDisposable
{
    public const string Prefix = "/api/webhooks";

    /// <summary>token → (role, tenant).</summary>
    private static readonly Dictionary<string, (string Role, string? Tenant)> Tokens = new(StringComparer.Ordinal)
    {
        ["admin-token"] = ("writer", null),
        ["viewer-token"] = ("reader", null),
        ["acme-admin-token"] = ("writer", "acme"),
        ["acme-viewer-token"] = ("reader", "acme"),
    };

    private readonly WebApplication _app;

    private ApiTestHost(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
        Admin = Client("admin-token");
        Viewer = Client("viewer-token");
        AcmeAdmin = Client("acme-admin-token");
        AcmeViewer = Client("acme-viewer-token");
        Anonymous = Client(null);
    }

    public Uri BaseUrl { get; }

    public HttpClient Admin { get; }

    public HttpClient Viewer { get; }

    public HttpClient AcmeAdmin { get; }

    public HttpClient AcmeViewer { get; }

    public HttpClient Anonymous { get; }

    /// <summary>Every response body any client of this host received, for the secret scan.</summary>
    public ConcurrentQueue<string> ResponseBodies { get; } = new();

    public IServiceProvider Services => _app.Services;

    public static async Task<ApiTestHost> StartAsync(
        Action<WebhooksOptions>? webhooks = null,
        Action<WebhooksEndpointOptions>? api = null,
        string prefix = Prefix,
        Action<IWebhooksBuilder>? builder = null)
    {
        var app = Build(webhooks, b => builder?.Invoke(b));
        app.MapWebhooksApi(prefix, api);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ApiTestHost(app, new Uri(address));
    }

    /// <summary>Builds (without mapping) a host with the test authentication, policies, problem details and the webhook library.</summary>
    public static WebApplication Build(Action<WebhooksOptions>? webhooks, Action<IWebhooksBuilder>? builder = null, bool policies = true)
    {
        var appBuilder = WebApplication.CreateSlimBuilder();
        appBuilder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        appBuilder.Logging.ClearProviders();
        appBuilder.Services.AddAuthentication(TestBearerHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TestBearerHandler>(TestBearerHandler.SchemeName, null);
        appBuilder.Services.AddAuthorization(o =>
        {
            if (policies)
            {
                o.AddPolicy("Webhooks.Read", p => p.RequireRole("reader", "writer"));
                o.AddPolicy("Webhooks.Write", p => p.RequireRole("writer"));
            }
        });
        var webhooksBuilder = appBuilder.Services.AddWebhooks(o =>
        {
            o.Safety.DangerouslyAllowLoopbackForDevelopment();
            o.Retry.BaseDelay = TimeSpan.FromMinutes(10);
            o.EventTypes.Add(new EventTypeDefinition("order.created", "An order was placed.", JsonSerializer.SerializeToElement(new { orderId = 42, total = 9.5 })));
            o.EventTypes.Add(new EventTypeDefinition("order.cancelled", "An order was cancelled.", JsonSerializer.SerializeToElement(new { orderId = 42 })));
            webhooks?.Invoke(o);
        });
        builder?.Invoke(webhooksBuilder);
        appBuilder.Services.AddWebhooksApi();
        var app = appBuilder.Build();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    public static JsonObject Destination(Uri url, string? id = null, string name = "orders", object? auth = null)
    {
        var node = new JsonObject { ["name"] = name, ["url"] = url.ToString() };
        if (id is not null)
        {
            node["id"] = id;
        }

        if (auth is not null)
        {
            node["auth"] = JsonSerializer.SerializeToNode(auth);
        }

        return node;
    }

    public HttpClient Client(string? token)
    {
        var client = new HttpClient(new RecordingHandler(ResponseBodies)) { BaseAddress = new Uri(BaseUrl, Prefix + "/") };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in new[] { Admin, Viewer, AcmeAdmin, AcmeViewer, Anonymous })
        {
            client.Dispose();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class RecordingHandler(ConcurrentQueue<string> bodies) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            bodies.Enqueue(Encoding.UTF8.GetString(bytes));
            foreach (var header in response.Headers)
            {
                bodies.Enqueue($"{header.Key}: {string.Join(", ", header.Value)}");
            }

            var content = new ByteArrayContent(bytes);
            foreach (var header in response.Content.Headers)
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response.Content = content;
            return response;
        }
    }

    /// <summary>Bearer tokens of the test: a fixed table of tokens to a role and a tenant claim.</summary>
    private sealed class TestBearerHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string SchemeName = "TestBearer";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var header = Request.Headers.Authorization.ToString();
            if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            if (!Tokens.TryGetValue(header["Bearer ".Length..], out var who))
            {
                return Task.FromResult(AuthenticateResult.Fail("Unknown token."));
            }

            var claims = new List<Claim> { new(ClaimTypes.Name, who.Role + "@" + (who.Tenant ?? "default")), new(ClaimTypes.Role, who.Role) };
            if (who.Tenant is not null)
            {
                claims.Add(new Claim(WebhooksEndpointOptions.TenantClaimType, who.Tenant));
            }

            var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
        }
    }
}

/// <summary>Small helpers to send JSON and read problems.</summary>
internal static class ApiHttp
{
    public static StringContent Json(object body, string contentType = "application/json")
        => new(body is string s ? s : JsonSerializer.Serialize(body), Encoding.UTF8, contentType);

    public static async Task<JsonNode> ReadJsonAsync(this HttpResponseMessage response)
        => JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object body)
        => client.PostAsync(path, Json(body));

    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string path, object body, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = Json(body) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PatchJsonAsync(this HttpClient client, string path, object body, string? ifMatch = null, string contentType = "application/merge-patch+json")
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, path) { Content = Json(body, contentType) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return client.SendAsync(request);
    }

    public static async Task<JsonNode> CreateAsync(this HttpClient client, JsonObject definition)
    {
        using var response = await client.PostJsonAsync("destinations", definition);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != System.Net.HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Create answered {(int)response.StatusCode}: {body}");
        }

        return JsonNode.Parse(body)!;
    }
}

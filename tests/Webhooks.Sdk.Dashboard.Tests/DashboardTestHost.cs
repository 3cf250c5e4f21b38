using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.AspNetCore;

namespace Webhooks.Sdk.Dashboard.Tests;

/// <summary>A real Kestrel host on 127.0.0.1 with the dashboard mounted behind two token roles, as a host app would.</summary>
public sealed class DashboardTestHost : IAsyncDisposable
{
    public const string AdminToken = "admin-token-for-tests";
    public const string ViewerToken = "viewer-token-for-tests";
    public const string TokenCookie = "dashboard_token";

    private readonly WebApplication _app;

    private DashboardTestHost(WebApplication app, Uri baseUrl, string mount)
    {
        _app = app;
        BaseUrl = baseUrl;
        Mount = mount;
    }

    /// <summary>Gets the server's origin, for example http://127.0.0.1:12345/.</summary>
    public Uri BaseUrl { get; }

    /// <summary>Gets the dashboard's mount point including any path base, with a trailing slash (for example /app/webhooks/).</summary>
    public string Mount { get; }

    /// <summary>Gets the dashboard's absolute URL.</summary>
    public Uri DashboardUrl => new(BaseUrl, Mount);

    public IServiceProvider Services => _app.Services;

    public IWebhookDestinationManager Destinations => Services.GetRequiredService<IWebhookDestinationManager>();

    public IWebhookDeliveryLog Log => Services.GetRequiredService<IWebhookDeliveryLog>();

    public static readonly EventTypeDefinition[] EventTypes =
    [
        new("scan.completed", "A scan finished; carries the number of findings.", JsonSerializer.SerializeToElement(new { scanId = "s-1", findings = 3 })),
        new("finding.created", "A new finding was raised.", JsonSerializer.SerializeToElement(new { findingId = "f-9", severity = "high" })),
    ];

    public static async Task<DashboardTestHost> StartAsync(string pathBase = "", string mount = "/webhooks", Action<WebApplication>? beforeMap = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddWebhooks(o =>
        {
            o.Safety.DangerouslyAllowLoopbackForDevelopment();
            o.Retry.BaseDelay = TimeSpan.FromMinutes(10);
            o.Dispatcher.PollInterval = TimeSpan.FromMilliseconds(100);
        }).AddEventTypes(EventTypes);
        builder.Services.AddAntiforgery();
        builder.Services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization(o =>
        {
            o.AddPolicy("Webhooks.Read", p => p.RequireRole("admin", "viewer"));
            o.AddPolicy("Webhooks.Write", p => p.RequireRole("admin"));
        });

        var app = builder.Build();
        if (pathBase.Length > 0)
        {
            app.UsePathBase(pathBase);
        }

        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        beforeMap?.Invoke(app);
        app.MapWebhooksDashboard(mount);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DashboardTestHost(app, new Uri(address.TrimEnd('/') + "/"), (pathBase + mount).TrimStart('/') + "/");
    }

    /// <summary>An HttpClient that signs in with a token and does not follow redirects.</summary>
    public HttpClient Client(string? token)
    {
        var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true };
        var client = new HttpClient(handler) { BaseAddress = DashboardUrl };
        if (token is not null)
        {
            handler.CookieContainer.Add(BaseUrl, new System.Net.Cookie(TokenCookie, token));
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Signs a request in from a token cookie: the admin token gets the admin role, the viewer token the viewer role.</summary>
internal sealed class TokenAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Token";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = Request.Cookies[DashboardTestHost.TokenCookie];
        var role = token switch
        {
            DashboardTestHost.AdminToken => "admin",
            DashboardTestHost.ViewerToken => "viewer",
            _ => null,
        };
        if (role is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, role), new Claim(ClaimTypes.Role, role)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}

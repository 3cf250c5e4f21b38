using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Webhooks.Sdk.Samples.WebApp;

/// <summary>The sample's two bearer tokens: one for administrators (read and write), one for viewers (read only).</summary>
internal sealed record SampleTokens(string Admin, string Viewer, bool Generated)
{
    public const string AdminRole = "webhooks-admin";
    public const string ViewerRole = "webhooks-viewer";

    /// <summary>Reads Sample:AdminToken and Sample:ViewerToken (also Sample__AdminToken / Sample__ViewerToken); generates missing ones.</summary>
    public static SampleTokens Read(IConfiguration configuration)
    {
        var admin = configuration["Sample:AdminToken"];
        var viewer = configuration["Sample:ViewerToken"];
        var generated = string.IsNullOrWhiteSpace(admin) || string.IsNullOrWhiteSpace(viewer);
        return new SampleTokens(
            string.IsNullOrWhiteSpace(admin) ? "admin_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) : admin,
            string.IsNullOrWhiteSpace(viewer) ? "viewer_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) : viewer,
            generated);
    }

    /// <summary>The role a token gives, compared in constant time.</summary>
    public string? RoleOf(string token)
    {
        if (Matches(token, Admin))
        {
            return AdminRole;
        }

        return Matches(token, Viewer) ? ViewerRole : null;
    }

    private static bool Matches(string given, string expected)
        => CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;token&gt;</c> against the sample's two tokens; in Development, also the
/// cookie set by the sign-in page (<see cref="SampleSignIn"/>), for the dashboard in a browser.
/// </summary>
internal sealed class SampleBearerHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, SampleTokens tokens, IHostEnvironment environment)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "SampleBearer";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        string token;
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = header["Bearer ".Length..].Trim();
        }
        else if (environment.IsDevelopment() && Request.Cookies[SampleSignIn.CookieName] is { Length: > 0 } cookie)
        {
            token = cookie;
        }
        else
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var role = tokens.RoleOf(token);
        if (role is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown bearer token."));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, role == SampleTokens.AdminRole ? "admin" : "viewer"), new Claim(ClaimTypes.Role, role)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (environment.IsDevelopment() && Request.Path.StartsWithSegments("/webhooks"))
        {
            // A person in a browser: send them to the development sign-in page.
            Response.Redirect(SampleSignIn.Path);
            return Task.CompletedTask;
        }

        Response.Headers.WWWAuthenticate = "Bearer";
        return base.HandleChallengeAsync(properties);
    }
}

using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;

namespace Webhooks.Sdk.Samples.WebApp;

/// <summary>
/// Development only: a sign-in page for people in a browser. It accepts the admin or the viewer token and keeps it in
/// an HttpOnly, SameSite=Strict cookie that <see cref="SampleBearerHandler"/> reads like a bearer header.
/// </summary>
internal static class SampleSignIn
{
    public const string CookieName = "webhooks_sample_token";
    public const string Path = "/sample/sign-in";

    public static void Map(WebApplication app)
    {
        app.MapGet(Path, (HttpContext http, IAntiforgery antiforgery, string? error) =>
        {
            var tokens = antiforgery.GetAndStoreTokens(http);
            var message = error is null ? string.Empty : "<p role=\"alert\">That token is neither the admin nor the viewer token.</p>";
            var html = $"""
                <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
                <title>Sign in · Webhooks sample</title></head><body><main>
                <h1>Sign in to the webhooks dashboard</h1>{message}
                <p>Development only: paste the admin token (read and write) or the viewer token (read only) printed at start.</p>
                <form method="post" action="sign-in">
                <input type="hidden" name="{HtmlEncoder.Default.Encode(tokens.FormFieldName)}" value="{HtmlEncoder.Default.Encode(tokens.RequestToken!)}">
                <label for="token">Token</label> <input id="token" name="token" type="password" autocomplete="off" required>
                <button type="submit">Sign in</button>
                </form></main></body></html>
                """;
            http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; form-action 'self'; frame-ancestors 'none'";
            return Results.Content(html, "text/html; charset=utf-8");
        }).AllowAnonymous();

        app.MapPost(Path, async (HttpContext http, IAntiforgery antiforgery, SampleTokens tokens) =>
        {
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return Results.Redirect("sign-in?error=1");
            }

            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var token = form["token"].ToString().Trim();
            if (tokens.RoleOf(token) is null)
            {
                return Results.Redirect("sign-in?error=1");
            }

            http.Response.Cookies.Append(CookieName, token, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = http.Request.IsHttps,
                Path = "/",
            });
            return Results.Redirect("/webhooks/");
        }).AllowAnonymous();

        app.MapPost("/sample/sign-out", (HttpContext http) =>
        {
            http.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/" });
            return Results.Redirect(Path);
        }).AllowAnonymous();
    }
}

using System.Net;
using System.Text.RegularExpressions;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Webhooks.Sdk.AspNetCore;
using Webhooks.Sdk.Testing;

namespace Webhooks.Sdk.Dashboard.Tests;

/// <summary>The dashboard over plain HTTP against a real Kestrel host: security, forms, relative links, secrets.</summary>
public partial class WebhooksDashboardTests
{
    private const string Secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    [Test]
    public async Task MapWebhooksDashboard_PoliciesMissing_FailsAtStartupNamingThem()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddWebhooks();
        builder.Services.AddAntiforgery();
        builder.Services.AddAuthorization();
        await using var app = builder.Build();

        var act = () => app.MapWebhooksDashboard("/webhooks");

        act.Should().Throw<InvalidOperationException>().WithMessage("MapWebhooksDashboard needs*'Webhooks.Read'*'Webhooks.Write'*DangerouslyAllowAnonymous*");
    }

    [Test]
    public async Task MapWebhooksDashboard_AntiforgeryMissing_FailsAtStartup()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddWebhooks();
        builder.Services.AddAuthorization();
        await using var app = builder.Build();

        var act = () => app.MapWebhooksDashboard("/webhooks", o => o.DangerouslyAllowAnonymous = true);

        act.Should().Throw<InvalidOperationException>().WithMessage("*AddAntiforgery()*");
    }

    [Test]
    public async Task Pages_Anonymous_Get401()
    {
        await using var host = await DashboardTestHost.StartAsync();
        using var client = host.Client(null);

        (await client.GetAsync("destinations")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task EveryPage_SendsStrictSecurityHeadersAndOnlyRelativeLinks()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await DashboardTestHost.StartAsync(pathBase: "/app");
        var saved = await host.Destinations.CreateAsync(Hmac(receiver));
        var delivery = await host.Destinations.TestAsync(saved.Id);
        using var client = host.Client(DashboardTestHost.AdminToken);

        foreach (var path in new[] { "", "destinations", "destinations/new", $"destinations/{saved.Id}", $"destinations/{saved.Id}/deliveries", $"destinations/{saved.Id}/delete", "send", "event-types" })
        {
            var response = await client.GetAsync(path);
            response.StatusCode.Should().Be(HttpStatusCode.OK, path);
            var csp = response.Headers.GetValues("Content-Security-Policy").Single();
            csp.Should().Contain("default-src 'none'").And.Contain("script-src 'self'").And.Contain("frame-ancestors 'none'").And.NotContain("unsafe-inline");
            response.Headers.GetValues("X-Content-Type-Options").Single().Should().Be("nosniff");
            var html = await response.Content.ReadAsStringAsync();
            LinkTargets().Matches(html).Select(m => m.Groups["url"].Value)
                .Should().NotContain(u => u.StartsWith('/') || u.Contains("//", StringComparison.Ordinal), $"every link on '{path}' is relative to the mount point");
            html.Should().NotContain(" style=", "inline styles would need 'unsafe-inline'").And.NotContain("<script>", "inline script would need 'unsafe-inline'");
        }

        delivery.Success.Should().BeTrue();
    }

    [Test]
    public async Task MountRoot_WithoutTrailingSlash_RedirectsRelativelyUnderPathBase()
    {
        await using var host = await DashboardTestHost.StartAsync(pathBase: "/app");
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseUrl };
        client.DefaultRequestHeaders.Add("Cookie", DashboardTestHost.TokenCookie + "=" + DashboardTestHost.AdminToken);

        var response = await client.GetAsync("app/webhooks");

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.Should().Be("webhooks/");
        new Uri(new Uri(host.BaseUrl, "app/webhooks"), response.Headers.Location).AbsolutePath.Should().Be("/app/webhooks/");
    }

    [Test]
    public async Task Viewer_SeesNoWriteControls_AndEveryForgedPostGets403ChangingNothing()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await DashboardTestHost.StartAsync();
        var saved = await host.Destinations.CreateAsync(Hmac(receiver));
        var test = await host.Destinations.TestAsync(saved.Id);
        using var admin = host.Client(DashboardTestHost.AdminToken);
        var token = await AntiforgeryTokenAsync(admin, $"destinations/{saved.Id}");
        using var viewer = host.Client(DashboardTestHost.ViewerToken);

        foreach (var path in new[] { "", "destinations", $"destinations/{saved.Id}", $"destinations/{saved.Id}/deliveries", "event-types" })
        {
            var html = await viewer.GetStringAsync(path);
            html.Should().Contain("Read-only");
            foreach (var control in new[] { "method=\"post\"", "role=\"switch\"", "New destination", "Redeliver", "Replay", "Delete", "Send a test", "Save changes", "type=\"password\"", "href=\"send\"" })
            {
                html.Should().NotContain(control, $"a reader sees no write control on '{path}'");
            }
        }

        var forged = new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["Name"] = "Forged", ["Url"] = receiver.Url("/forged").ToString(), ["action"] = "save", ["since"] = "2020-01-01T00:00", ["Type"] = "scan.completed", ["DestinationIds"] = saved.Id, ["Data"] = "{}" };
        foreach (var path in new[] { "destinations/new", $"destinations/{saved.Id}", $"destinations/{saved.Id}/test", $"destinations/{saved.Id}/disable", $"destinations/{saved.Id}/delete", $"destinations/{saved.Id}/replay", $"deliveries/{test.DeliveryId}/redeliver", "send" })
        {
            var response = await viewer.PostAsync(path, new FormUrlEncodedContent(forged));
            response.StatusCode.Should().Be(HttpStatusCode.Forbidden, path);
        }

        var after = await host.Destinations.GetAsync(saved.Id);
        after.Should().BeEquivalentTo(saved, o => o.Excluding(d => d.LastSuccessAt).Excluding(d => d.UpdatedAt));
        after.UpdatedAt.Should().Be(saved.UpdatedAt);
        (await host.Destinations.ListAsync()).Total.Should().Be(1);
        (await host.Log.ListAsync(saved.Id)).Should().ContainSingle("only the test made before the forged posts");
        receiver.Requests.Should().ContainSingle();
    }

    [Test]
    public async Task Post_WithoutAntiforgeryToken_Gets400AndChangesNothing()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await DashboardTestHost.StartAsync();
        var saved = await host.Destinations.CreateAsync(Hmac(receiver));
        using var admin = host.Client(DashboardTestHost.AdminToken);

        var response = await admin.PostAsync($"destinations/{saved.Id}/disable", new FormUrlEncodedContent(new Dictionary<string, string> { ["back"] = "list" }));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await host.Destinations.GetAsync(saved.Id)).Enabled.Should().BeTrue();
    }

    [Test]
    public async Task EditPage_NeverContainsTheSavedSecret_AndEmptySecretKeepsIt()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await DashboardTestHost.StartAsync();
        var saved = await host.Destinations.CreateAsync(Hmac(receiver));
        using var admin = host.Client(DashboardTestHost.AdminToken);

        var page = await admin.GetStringAsync($"destinations/{saved.Id}");
        page.Should().NotContain(Secret).And.NotContain(Secret["whsec_".Length..]).And.Contain("Saved: set (sha256");

        var form = FormFields(page);
        form["Name"] = "Renamed";
        form["action"] = "save";
        var response = await admin.PostAsync($"destinations/{saved.Id}", new FormUrlEncodedContent(form));
        response.StatusCode.Should().Be(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());

        (await host.Destinations.GetAsync(saved.Id)).Name.Should().Be("Renamed");
        (await host.Destinations.TestAsync(saved.Id)).Success.Should().BeTrue();
        new StandardWebhooksVerifier(Secret).Invoking(v => v.Verify(n => receiver.Requests[^1].Header(n), receiver.Requests[^1].Body)).Should().NotThrow("the saved secret still signs");
    }

    [Test]
    public async Task Create_WithManyBadFields_ShowsEveryErrorAtOnceAndStoresNothing()
    {
        await using var host = await DashboardTestHost.StartAsync();
        using var admin = host.Client(DashboardTestHost.AdminToken);
        var form = FormFields(await admin.GetStringAsync("destinations/new"));
        form["Name"] = string.Empty;
        form["Url"] = "not a url";
        form["RetryCount"] = "many";
        form["TimeoutSeconds"] = "99";
        form["Auth.hmac.Secret"] = string.Empty;
        form["Headers"] = "no colon here";
        form["action"] = "save";

        var response = await admin.PostAsync("destinations/new", new FormUrlEncodedContent(form));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var html = await response.Content.ReadAsStringAsync();
        foreach (var field in new[] { "Name", "Url", "RetryCount", "TimeoutSeconds", "Auth-hmac-Secret", "Headers" })
        {
            html.Should().Contain($"id=\"e-f-{field}\"", $"the error of {field} is shown next to it");
        }

        html.Should().Contain("must be a whole number");
        (await host.Destinations.ListAsync()).Total.Should().Be(0);
    }

    [Test]
    public async Task List_EncodesNamesAndShowsOnlyTheHost()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await DashboardTestHost.StartAsync();
        var definition = Hmac(receiver);
        definition.Name = "<script>alert(1)</script>";
        definition.Url = receiver.Url("/hook/credential-in-path?token=abc").ToString();
        await host.Destinations.CreateAsync(definition);
        using var admin = host.Client(DashboardTestHost.AdminToken);

        var html = await admin.GetStringAsync("destinations");

        html.Should().NotContain("<script>alert").And.Contain("&lt;script&gt;alert(1)&lt;/script&gt;");
        html.Should().Contain(receiver.BaseUrl.Authority).And.NotContain("credential-in-path").And.NotContain("token=abc");
    }

    [Test]
    public async Task Assets_AreEmbeddedAndServedUnderTheMount()
    {
        await using var host = await DashboardTestHost.StartAsync();
        using var admin = host.Client(DashboardTestHost.AdminToken);

        foreach (var (name, type) in new[] { ("dashboard.css", "text/css"), ("dashboard.js", "text/javascript"), ("icon.svg", "image/svg+xml") })
        {
            var response = await admin.GetAsync("assets/" + name);
            response.StatusCode.Should().Be(HttpStatusCode.OK, name);
            response.Content.Headers.ContentType!.MediaType.Should().Be(type);
            var text = (await response.Content.ReadAsStringAsync()).Replace("xmlns=\"http://www.w3.org/2000/svg\"", string.Empty, StringComparison.Ordinal);
            text.Should().NotContain("http://").And.NotContain("https://").And.NotContain("url(", "no asset refers to anything outside");
        }

        (await admin.GetAsync("assets/missing.js")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task TestSaved_ReceiverFails_ShowsStatusAndMessageInline()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.DefaultResponse = ReceiverResponse.Status(503, "maintenance until noon");
        await using var host = await DashboardTestHost.StartAsync();
        var saved = await host.Destinations.CreateAsync(Hmac(receiver));
        using var admin = host.Client(DashboardTestHost.AdminToken);
        var token = await AntiforgeryTokenAsync(admin, $"destinations/{saved.Id}");

        var response = await admin.PostAsync($"destinations/{saved.Id}/test", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));

        var html = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        html.Should().Contain("Test failed").And.Contain("HTTP 503").And.Contain("maintenance until noon");
        html.Should().Contain($"action=\"../{saved.Id}\"", "the form rendered one level below the destination still posts to it");
    }

    [Test]
    public async Task DraftTest_RefusedUrl_NamesTheRule()
    {
        await using var host = await DashboardTestHost.StartAsync();
        using var admin = host.Client(DashboardTestHost.AdminToken);
        var form = FormFields(await admin.GetStringAsync("destinations/new"));
        form["Name"] = "Private";
        form["Url"] = "https://10.1.2.3/hook";
        form["Auth.hmac.Secret"] = Secret;
        form["action"] = "test";

        var response = await admin.PostAsync("destinations/new", new FormUrlEncodedContent(form));

        var html = await response.Content.ReadAsStringAsync();
        html.Should().Contain("Test not sent").And.Contain("private");
        html.Should().NotContain(Secret, "a typed secret is not sent back");
    }

    internal static WebhookDestinationDefinition Hmac(LocalWebhookReceiver receiver) => new()
    {
        Name = "Receiver",
        Url = receiver.Url("/hook").ToString(),
        Auth = HmacSignatureWebhookAuth.StandardWebhooks(Secret),
        Subscriptions = ["scan.*"],
    };

    internal static async Task<string> AntiforgeryTokenAsync(HttpClient client, string path) =>
        TokenField().Match(await client.GetStringAsync(path)).Groups["v"].Value;

    /// <summary>The values a browser would post from the page's destination form (text, selects, ticked boxes).</summary>
    internal static Dictionary<string, string> FormFields(string html)
    {
        var form = html[html.IndexOf("class=\"destination\"", StringComparison.Ordinal)..];
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match m in InputField().Matches(form))
        {
            var tag = m.Value;
            var name = Attr(tag, "name");
            if (name is null || (tag.Contains("type=\"checkbox\"", StringComparison.Ordinal) && !tag.Contains(" checked", StringComparison.Ordinal)))
            {
                continue;
            }

            fields[name] = WebUtility.HtmlDecode(Attr(tag, "value") ?? string.Empty);
        }

        foreach (Match m in TextAreaField().Matches(form))
        {
            fields[m.Groups["name"].Value] = WebUtility.HtmlDecode(m.Groups["v"].Value);
        }

        foreach (Match m in SelectField().Matches(form))
        {
            var selected = SelectedOption().Match(m.Groups["body"].Value);
            fields[m.Groups["name"].Value] = selected.Success ? WebUtility.HtmlDecode(selected.Groups["v"].Value) : string.Empty;
        }

        return fields;
    }

    private static string? Attr(string tag, string name)
    {
        var m = Regex.Match(tag, " " + name + "=\"(?<v>[^\"]*)\"");
        return m.Success ? m.Groups["v"].Value : null;
    }

    [GeneratedRegex("(?:href|src|action|formaction)=\"(?<url>[^\"]*)\"")]
    private static partial Regex LinkTargets();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"(?<v>[^\"]+)\"")]
    private static partial Regex TokenField();

    [GeneratedRegex("<input [^>]*>")]
    private static partial Regex InputField();

    [GeneratedRegex("<textarea [^>]*name=\"(?<name>[^\"]+)\"[^>]*>(?<v>[^<]*)</textarea>")]
    private static partial Regex TextAreaField();

    [GeneratedRegex("<select [^>]*name=\"(?<name>[^\"]+)\"[^>]*>(?<body>.*?)</select>", RegexOptions.Singleline)]
    private static partial Regex SelectField();

    [GeneratedRegex("<option value=\"(?<v>[^\"]*)\" selected")]
    private static partial Regex SelectedOption();
}

using System.Collections.Concurrent;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NUnit.Framework;
using Webhooks.Sdk.Testing;

namespace Webhooks.Sdk.Dashboard.Tests;

/// <summary>
/// The dashboard in a real browser: Debian's Chromium driven by Playwright through <c>ExecutablePath</c> (Playwright's own
/// browser download is not used). One browser per fixture; each test gets a fresh context, host and receiver.
/// </summary>
[NonParallelizable]
public class WebhooksDashboardBrowserTests
{
    private const string Secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private static readonly string[] LaunchArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    [OneTimeSetUp]
    public async Task LaunchBrowser()
    {
        var executable = Environment.GetEnvironmentVariable("WEBHOOKS_TEST_CHROMIUM") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";
        if (!File.Exists(executable))
        {
            var how = $"The browser tests need Chromium at {executable}: install Debian's 'chromium' package, or set WEBHOOKS_TEST_CHROMIUM to a Chromium executable.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(how);
            }

            Assert.Ignore(how);
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = executable, Args = LaunchArgs, Headless = true });
    }

    [OneTimeTearDown]
    public async Task CloseBrowser()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    [Test]
    public async Task EndToEnd_CreateTestToggleSendRedeliverDelete_ThroughTheUi()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await DashboardTestHost.StartAsync(pathBase: "/app");
        await using var session = await OpenAsync(host, DashboardTestHost.AdminToken);
        var page = session.Page;

        // Create with HMAC signing, testing the draft first.
        await page.GotoAsync("destinations/new");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Scanner hook");
        await page.GetByLabel("URL", new() { Exact = true }).FillAsync(receiver.Url("/hook").ToString());
        await page.GetByLabel("Authentication method").SelectOptionAsync(WebhookAuthKinds.HmacSignature);
        (await page.Locator("[data-auth='bearer']").IsHiddenAsync()).Should().BeTrue("only the chosen method's fields show");
        await page.GetByLabel("Signing secret").FillAsync(Secret);
        await page.GetByLabel("scan.completed").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Test without saving" }).ClickAsync();
        await Expect(page.Locator("#test-result")).ToContainTextAsync("HTTP 200");
        await Expect(page.Locator("#test-result")).ToContainTextAsync("Test delivered");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create destination" }).ClickAsync();
        await Expect(page.Locator(".notice")).ToHaveTextAsync("The destination was created.");
        var saved = (await host.Destinations.ListAsync()).Items.Should().ContainSingle().Subject;
        saved.Auth.Kind.Should().Be(WebhookAuthKinds.HmacSignature);
        new StandardWebhooksVerifier(Secret).Verify(n => receiver.Requests[^1].Header(n), receiver.Requests[^1].Body);

        // Test the saved destination: 200, then a failing receiver shows its status and message.
        await page.GetByRole(AriaRole.Link, new() { Name = "Scanner hook", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Send a test" }).ClickAsync();
        await Expect(page.Locator("#test-result")).ToContainTextAsync("HTTP 200");
        receiver.DefaultResponse = ReceiverResponse.Status(503, "down for maintenance");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send a test" }).ClickAsync();
        await Expect(page.Locator("#test-result")).ToContainTextAsync("HTTP 503");
        await Expect(page.Locator("#test-result")).ToContainTextAsync("down for maintenance");
        receiver.DefaultResponse = ReceiverResponse.Ok();

        // Toggle off and on.
        var toggle = page.GetByRole(AriaRole.Switch, new() { Name = "Enabled: Scanner hook" });
        await Expect(toggle).ToHaveAttributeAsync("aria-checked", "true");
        await toggle.ClickAsync();
        await Expect(page.Locator(".notice")).ToHaveTextAsync("The destination was turned off.");
        (await host.Destinations.GetAsync(saved.Id)).Enabled.Should().BeFalse();
        await Expect(page.GetByRole(AriaRole.Switch, new() { Name = "Enabled: Scanner hook" })).ToHaveAttributeAsync("aria-checked", "false");
        await page.GetByRole(AriaRole.Switch, new() { Name = "Enabled: Scanner hook" }).ClickAsync();
        await Expect(page.Locator(".notice")).ToContainTextAsync("turned on");
        (await host.Destinations.GetAsync(saved.Id)).Enabled.Should().BeTrue();

        // Publish from the send form.
        var before = receiver.Requests.Count;
        await page.GetByRole(AriaRole.Link, new() { Name = "Send an event" }).ClickAsync();
        await page.GetByLabel("Event type").SelectOptionAsync("finding.created");
        await Expect(page.GetByLabel("Payload (JSON)")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("f-9"));
        await page.GetByLabel("Scanner hook").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await Expect(page.Locator(".result")).ToContainTextAsync("Accepted for delivery");
        await receiver.WaitForRequestsAsync(before + 1, TimeSpan.FromSeconds(10));
        await WaitAsync(async () => (await host.Log.ListAsync(saved.Id)).Any(d => d.EventType == "finding.created" && d.Status == WebhookDeliveryStatus.Succeeded));

        // See the attempts, then redeliver.
        await page.GetByRole(AriaRole.Link, new() { Name = "Deliveries of Scanner hook" }).ClickAsync();
        var delivery = page.Locator(".deliveries > li").Filter(new() { HasText = "finding.created" });
        await delivery.Locator("summary").ClickAsync();
        await Expect(delivery.Locator("table")).ToContainTextAsync("200");
        await delivery.GetByRole(AriaRole.Button, new() { Name = "Redeliver" }).ClickAsync();
        await Expect(page.Locator(".notice")).ToHaveTextAsync("The delivery was queued once more.");
        await receiver.WaitForRequestsAsync(before + 2, TimeSpan.FromSeconds(10));
        receiver.Requests[^1].Header("webhook-id").Should().Be(receiver.Requests[before].Header("webhook-id"), "a redelivery carries the same event id");

        // Delete behind a confirmation.
        await page.GetByRole(AriaRole.Link, new() { Name = "Scanner hook", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Delete…" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Delete Scanner hook?");
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete destination" }).ClickAsync();
        await Expect(page.Locator(".notice")).ToHaveTextAsync("The destination was deleted.");
        (await host.Destinations.ListAsync()).Total.Should().Be(0);

        await session.AssertCleanAsync(host, Secret);
    }

    [Test]
    public async Task Viewer_SeesNoControls_AndAForgedPostFromThePageGets403()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await DashboardTestHost.StartAsync();
        var saved = await host.Destinations.CreateAsync(WebhooksDashboardTests.Hmac(receiver));
        await host.Destinations.TestAsync(saved.Id);
        await using var session = await OpenAsync(host, DashboardTestHost.ViewerToken);
        var page = session.Page;

        foreach (var path in new[] { "", "destinations", $"destinations/{saved.Id}", $"destinations/{saved.Id}/deliveries", "event-types" })
        {
            await page.GotoAsync(path);
            (await page.Locator("form[method='post']").CountAsync()).Should().Be(0, path);
            (await page.GetByRole(AriaRole.Switch).CountAsync()).Should().Be(0, path);
            (await page.Locator("input[type='password']").CountAsync()).Should().Be(0, path);
            (await page.GetByRole(AriaRole.Link, new() { Name = "Send an event" }).CountAsync()).Should().Be(0, path);
            await Expect(page.Locator(".badge")).ToHaveTextAsync("Read-only");
        }

        await page.GotoAsync("destinations");
        var status = await page.EvaluateAsync<int>(
            "async id => (await fetch('destinations/' + id + '/disable', { method: 'POST', body: new URLSearchParams({ back: 'list' }) })).status", saved.Id);

        status.Should().Be(403);
        (await host.Destinations.GetAsync(saved.Id)).Enabled.Should().BeTrue();
        await session.AssertCleanAsync(host, Secret, allowForbidden: true);
    }

    [Test]
    public async Task EveryPage_HasNoSeriousOrCriticalAxeViolation_AndANarrowScreenshotIsKept()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await DashboardTestHost.StartAsync();
        var healthy = await host.Destinations.CreateAsync(WebhooksDashboardTests.Hmac(receiver));
        var failingDefinition = WebhooksDashboardTests.Hmac(receiver);
        failingDefinition.Name = "Ticketing (failing)";
        failingDefinition.Url = receiver.Url("/failing").ToString();
        var failing = await host.Destinations.CreateAsync(failingDefinition);
        var offDefinition = WebhooksDashboardTests.Hmac(receiver);
        offDefinition.Name = "Chat (turned off)";
        offDefinition.Enabled = false;
        await host.Destinations.CreateAsync(offDefinition);
        await host.Destinations.TestAsync(healthy.Id);
        receiver.Responder = r => r.Path == "/failing" ? ReceiverResponse.Status(500, "boom") : null;
        var publisher = host.Services.GetRequiredService<IWebhookPublisher>();
        for (var i = 0; i < 3; i++)
        {
            await publisher.PublishAsync(new WebhookEvent { Type = "scan.completed", Data = DashboardTestHost.EventTypes[0].Example });
        }

        await WaitAsync(async () => (await host.Destinations.GetAsync(failing.Id)).ConsecutiveFailures >= 3
            && (await host.Destinations.GetAsync(healthy.Id)).LastSuccessAt is not null);
        await using var session = await OpenAsync(host, DashboardTestHost.AdminToken);
        var page = session.Page;
        var pages = new[] { "", "destinations", "destinations/new", $"destinations/{healthy.Id}", $"destinations/{failing.Id}/deliveries", $"destinations/{healthy.Id}/delete", "send", "event-types" };

        var problems = new List<string>();
        foreach (var path in pages)
        {
            await page.GotoAsync(path);
            await page.Locator("details").EvaluateAllAsync<int>("nodes => { nodes.forEach(n => n.open = true); return nodes.length; }");
            var result = await page.RunAxe();
            result.Passes.Should().NotBeEmpty("axe ran its rules on '{0}'", path);
            if (Environment.GetEnvironmentVariable("WEBHOOKS_UPDATE_DOCS_SCREENSHOT") == "1")
            {
                await page.ScreenshotAsync(new() { Path = Path.Combine(TestContext.CurrentContext.WorkDirectory, "page-" + (path.Length == 0 ? "overview" : path.Replace('/', '_')) + ".png"), FullPage = true });
            }
            problems.AddRange(result.Violations
                .Where(v => v.Impact is "serious" or "critical")
                .Select(v => $"'{path}': {v.Id} ({v.Impact}) {v.Help}: {string.Join(" | ", v.Nodes.Select(n => n.Html))}"));
        }

        problems.Should().BeEmpty();

        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync("destinations");
        var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
        overflow.Should().BeFalse("the list fits a 390 px screen without sideways scrolling");
        var narrow = Path.Combine(TestContext.CurrentContext.WorkDirectory, "dashboard-390px.png");
        await page.ScreenshotAsync(new() { Path = narrow, FullPage = true });
        TestContext.AddTestAttachment(narrow, "The destinations list at 390 px wide");

        await page.SetViewportSizeAsync(1280, 800);
        await page.GotoAsync("destinations");
        var wide = Path.Combine(TestContext.CurrentContext.WorkDirectory, "dashboard.png");
        await page.ScreenshotAsync(new() { Path = wide });
        TestContext.AddTestAttachment(wide, "The destinations list at 1280 px wide");
        if (Environment.GetEnvironmentVariable("WEBHOOKS_UPDATE_DOCS_SCREENSHOT") == "1")
        {
            File.Copy(wide, Path.Combine(RepositoryRoot(), "docs", "images", "dashboard.png"), overwrite: true);
        }

        new FileInfo(narrow).Length.Should().BeGreaterThan(1000);
        await session.AssertCleanAsync(host, Secret);
    }

    [Test]
    public async Task CreateFlow_WorksWithTheKeyboardAlone()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await DashboardTestHost.StartAsync();
        await using var session = await OpenAsync(host, DashboardTestHost.AdminToken);
        var page = session.Page;
        await page.GotoAsync("destinations");

        await TabToAsync(page, "a:has-text('New destination')");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync("**/destinations/new");
        await TabToAsync(page, "#f-Name");
        await page.Keyboard.TypeAsync("Keyboard hook");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync(receiver.Url("/hook").ToString());
        await TabToAsync(page, "#f-Auth-hmac-Secret");
        await page.Keyboard.TypeAsync(Secret);
        await TabToAsync(page, "input[value='scan.completed']");
        await page.Keyboard.PressAsync("Space");
        await TabToAsync(page, "button[value='save']");
        var outline = await page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineStyle");
        outline.Should().NotBe("none", "the focused control is visibly marked");
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.Locator(".notice")).ToHaveTextAsync("The destination was created.");
        var saved = (await host.Destinations.ListAsync()).Items.Should().ContainSingle().Subject;
        saved.Name.Should().Be("Keyboard hook");
        saved.Subscriptions.Should().Equal("scan.completed");
        saved.Auth.SecretHints.Should().ContainKey("Secret");
        await session.AssertCleanAsync(host, Secret);
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private static async Task TabToAsync(IPage page, string selector)
    {
        var target = page.Locator(selector).First;
        for (var i = 0; i < 150; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await target.EvaluateAsync<bool>("e => e === document.activeElement"))
            {
                return;
            }
        }

        Assert.Fail($"'{selector}' cannot be reached with the Tab key.");
    }

    private static async Task WaitAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail("The condition did not hold within 10 s.");
            }

            await Task.Delay(50);
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Webhooks.Sdk.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root was not found.");
    }

    private async Task<BrowserSession> OpenAsync(DashboardTestHost host, string token)
    {
        var context = await _browser!.NewContextAsync(new() { BaseURL = host.DashboardUrl.ToString(), ViewportSize = new() { Width = 1280, Height = 800 } });
        await context.AddCookiesAsync([new Cookie { Name = DashboardTestHost.TokenCookie, Value = token, Url = host.BaseUrl.ToString() }]);
        var session = new BrowserSession(context, await context.NewPageAsync());
        return session;
    }

    /// <summary>A browser context that records every request, every HTML response and every console error.</summary>
    private sealed class BrowserSession : IAsyncDisposable
    {
        private readonly ConcurrentQueue<string> _requests = new();
        private readonly ConcurrentQueue<string> _consoleErrors = new();
        private readonly ConcurrentQueue<Task<string>> _documents = new();
        private readonly ConcurrentQueue<int> _statuses = new();

        public BrowserSession(IBrowserContext context, IPage page)
        {
            Context = context;
            Page = page;
            context.Request += (_, request) => _requests.Enqueue(request.Url);
            page.Console += (_, message) =>
            {
                if (message.Type == "error")
                {
                    _consoleErrors.Enqueue(message.Text);
                }
            };
            context.Response += (_, response) =>
            {
                _statuses.Enqueue(response.Status);
                if (response.Status is < 300 or >= 400 && response.Headers.TryGetValue("content-type", out var type) && type.StartsWith("text/html", StringComparison.Ordinal))
                {
                    _documents.Enqueue(response.TextAsync());
                }
            };
        }

        public IBrowserContext Context { get; }

        public IPage Page { get; }

        /// <summary>No request left the mount point, no saved secret reached the browser, no console or CSP error.</summary>
        public async Task AssertCleanAsync(DashboardTestHost host, string secret, bool allowForbidden = false)
        {
            var mount = host.DashboardUrl.ToString();
            _requests.Should().NotBeEmpty();
            _requests.Should().OnlyContain(url => url.StartsWith(mount, StringComparison.Ordinal), "the page requests nothing outside " + mount);
            foreach (var document in _documents)
            {
                (await document).Should().NotContain(secret).And.NotContain(secret["whsec_".Length..]);
            }

            (await Page.ContentAsync()).Should().NotContain(secret);
            _consoleErrors.Where(e => !(allowForbidden && e.Contains("403", StringComparison.Ordinal)))
                .Should().BeEmpty("the page runs without script or Content-Security-Policy errors");
            _statuses.Should().NotContain(s => s >= 500);
        }

        public async ValueTask DisposeAsync() => await Context.DisposeAsync();
    }
}

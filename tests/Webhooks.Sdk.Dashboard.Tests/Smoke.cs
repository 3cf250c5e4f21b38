using Microsoft.Playwright;
using NUnit.Framework;

namespace Webhooks.Sdk.Dashboard.Tests;

public class SmokeTests
{
    [Test]
    public async Task Launch()
    {
        using var pw = await Playwright.CreateAsync();
        await using var browser = await pw.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
        var page = await browser.NewPageAsync();
        await page.SetContentAsync("<h1>hi</h1>");
        TestContext.Out.WriteLine(await page.InnerTextAsync("h1") + " " + browser.Version);
    }
}

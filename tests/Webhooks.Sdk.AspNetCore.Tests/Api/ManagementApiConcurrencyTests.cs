using System.Net;
using System.Reflection;
using FluentAssertions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Webhooks.Sdk.AspNetCore.Api;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Testing;

namespace Webhooks.Sdk.AspNetCore.Tests.Api;

/// <summary>Conflicts: the library's version check surfaces as 409, or 412 when the request carried If-Match; a taken id is a 409.</summary>
public class ManagementApiConcurrencyTests
{
    [Test]
    public async Task ConcurrencyException_WithIfMatch_Is412_Without_Is409()
    {
        var exception = new WebhookConcurrencyException("default", "d1", 3, 4);
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider() };
        context.Response.Body = new MemoryStream();

        await ApiProblems.From(exception, ifMatch: true).ExecuteAsync(context);
        context.Response.StatusCode.Should().Be(StatusCodes.Status412PreconditionFailed);

        context.Response.Body = new MemoryStream();
        await ApiProblems.From(exception, ifMatch: false).ExecuteAsync(context);
        context.Response.StatusCode.Should().Be(StatusCodes.Status409Conflict);
        context.Response.ContentType.Should().StartWith("application/problem+json");
    }

    [Test]
    public async Task Post_IdAlreadyUsedInTheTenant_Answers409AndKeepsTheFirst()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await ApiTestHost.StartAsync();
        await host.Admin.CreateAsync(ApiTestHost.Destination(receiver.Url(), id: "d1", name: "first"));

        using var again = await host.Admin.PostJsonAsync("destinations", ApiTestHost.Destination(receiver.Url(), id: "d1", name: "second"));

        again.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await again.ReadJsonAsync())["type"]!.GetValue<string>().Should().Be(ApiProblems.Types.Conflict);
        using var get = await host.Admin.GetAsync("destinations/d1");
        (await get.ReadJsonAsync())["name"]!.GetValue<string>().Should().Be("first");
    }

    [TestCase("PUT")]
    [TestCase("PATCH")]
    public async Task IfMatch_ChangeLandsBetweenTheCheckAndTheWrite_Answers412AndTheOtherChangeStays(string method)
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var store = ChangeAfterReadStore.Create(new InMemoryWebhookStore());
        await using var host = await ApiTestHost.StartAsync(o => o.Secrets.Key = Convert.ToBase64String(new byte[32]), builder: b => b.UseStore(_ => (IWebhookStore)store));
        await host.Admin.CreateAsync(ApiTestHost.Destination(receiver.Url(), id: "d1", name: "first"));
        using var read = await host.Admin.GetAsync("destinations/d1");
        var etag = read.Headers.ETag!.Tag;
        etag.Should().Be("\"1\"", "the ETag is the destination's version");
        var manager = host.Services.GetRequiredService<IWebhookDestinationManager>();

        // Another writer renames the destination right after the API's If-Match check read it (still at version 1).
        store.AfterNextRead = () => manager.UpdateAsync("d1", new WebhookDestinationUpdate { Name = "concurrent" });
        using var response = method == "PUT"
            ? await host.Admin.PutJsonAsync("destinations/d1", new { name = "stale", url = receiver.Url().ToString() }, ifMatch: etag)
            : await host.Admin.PatchJsonAsync("destinations/d1", new { name = "stale" }, ifMatch: etag);

        response.StatusCode.Should().Be(HttpStatusCode.PreconditionFailed);
        store.AfterNextRead.Should().BeNull("the concurrent change ran between the check and the write");
        var saved = await manager.GetAsync("d1");
        saved.Name.Should().Be("concurrent", "the stale write must not win");
        saved.Version.Should().Be(2);
        using var after = await host.Admin.GetAsync("destinations/d1");
        after.Headers.ETag!.Tag.Should().Be("\"2\"");
        (await after.ReadJsonAsync())["version"]!.GetValue<long>().Should().Be(2);
    }

    [TestCase("POST", "destinations/d1/enable")]
    [TestCase("POST", "destinations/d1/disable")]
    [TestCase("POST", "destinations/d1/secret/rotate")]
    [TestCase("DELETE", "destinations/d1")]
    public async Task IfMatch_ActionRacesAChangeAfterTheCheck_Answers412AndTheOtherChangeStays(string method, string path)
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var store = ChangeAfterReadStore.Create(new InMemoryWebhookStore());
        await using var host = await ApiTestHost.StartAsync(o => o.Secrets.Key = Convert.ToBase64String(new byte[32]), builder: b => b.UseStore(_ => (IWebhookStore)store));
        await host.Admin.CreateAsync(ApiTestHost.Destination(receiver.Url(), id: "d1", name: "first", auth: new { kind = "hmac", secret = "whsec_" + Convert.ToBase64String(new byte[32]) }));
        var manager = host.Services.GetRequiredService<IWebhookDestinationManager>();
        if (path.EndsWith("/enable", StringComparison.Ordinal))
        {
            await manager.DisableAsync("d1", "paused");
        }

        using var read = await host.Admin.GetAsync("destinations/d1");
        var etag = read.Headers.ETag!.Tag;
        var readVersion = (await read.ReadJsonAsync())["version"]!.GetValue<long>();
        var enabledBefore = (await manager.GetAsync("d1")).Enabled;

        // Another writer renames the destination right after the API's If-Match check read it.
        store.AfterNextRead = () => manager.UpdateAsync("d1", new WebhookDestinationUpdate { Name = "concurrent" });
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.TryAddWithoutValidation("If-Match", etag);
        using var response = await host.Admin.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.PreconditionFailed, await response.Content.ReadAsStringAsync());
        store.AfterNextRead.Should().BeNull("the concurrent change ran between the check and the write");
        var saved = await manager.GetAsync("d1");
        saved.Name.Should().Be("concurrent", "the stale action must not win");
        saved.Version.Should().Be(readVersion + 1, "only the concurrent change was written");
        saved.Enabled.Should().Be(enabledBefore, "the stale action changed nothing");
    }

    /// <summary>Forwards every call to a real store; once armed, runs another change right after the next destination read.</summary>
    public class ChangeAfterReadStore : DispatchProxy
    {
        private IWebhookStore _inner = null!;

        public Func<Task>? AfterNextRead { get; set; }

        public static ChangeAfterReadStore Create(IWebhookStore inner)
        {
            var proxy = (ChangeAfterReadStore)(object)Create<IWebhookStore, ChangeAfterReadStore>();
            proxy._inner = inner;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            var result = targetMethod!.Invoke(_inner, args);
            if (targetMethod.Name != nameof(IDestinationStore.GetDestinationAsync) || AfterNextRead is not { } change)
            {
                return result;
            }

            AfterNextRead = null;
            return ReadThenChangeAsync((Task<DestinationRecord?>)result!, change);
        }

        private static async Task<DestinationRecord?> ReadThenChangeAsync(Task<DestinationRecord?> read, Func<Task> change)
        {
            var record = await read;
            await change();
            return record;
        }
    }
}

using System.Net;
using FluentAssertions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Webhooks.Sdk.AspNetCore.Api;
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
}

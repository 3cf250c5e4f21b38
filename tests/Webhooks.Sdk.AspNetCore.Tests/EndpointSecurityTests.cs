using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Webhooks.Sdk.AspNetCore;

namespace Webhooks.Sdk.AspNetCore.Tests;

public class EndpointSecurityTests
{
    [Test]
    public async Task Resolve_PoliciesMissing_FailsNamingBoth()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddAuthorization();
        await using var app = builder.Build();

        var act = () => EndpointSecurity.Resolve(app, null, "MapWebhooksApi");

        act.Should().Throw<InvalidOperationException>()
            .WithMessage("*'Webhooks.Read'*'Webhooks.Write'*DangerouslyAllowAnonymous*");
    }

    [Test]
    public async Task Resolve_PoliciesPresent_ReturnsOptions()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddAuthorization(o =>
        {
            o.AddPolicy("Webhooks.Read", p => p.RequireAuthenticatedUser());
            o.AddPolicy("Webhooks.Write", p => p.RequireAuthenticatedUser());
        });
        await using var app = builder.Build();

        EndpointSecurity.Resolve(app, null, "MapWebhooksApi").ReadPolicy.Should().Be("Webhooks.Read");
    }
}

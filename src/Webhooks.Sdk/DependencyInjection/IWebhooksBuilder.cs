using Microsoft.Extensions.DependencyInjection;

namespace Webhooks.Sdk;

/// <summary>Returned by <c>AddWebhooks()</c>; every feature is an extension method on it.</summary>
public interface IWebhooksBuilder
{
    /// <summary>Gets the service collection.</summary>
    IServiceCollection Services { get; }
}

internal sealed class WebhooksBuilder(IServiceCollection services) : IWebhooksBuilder
{
    public IServiceCollection Services { get; } = services;
}

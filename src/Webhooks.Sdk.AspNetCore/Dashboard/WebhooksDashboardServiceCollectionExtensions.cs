using Webhooks.Sdk.AspNetCore;

#pragma warning disable IDE0130 // Extension methods live in the DI namespace, as Microsoft.Extensions.* do.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers the services of the webhooks dashboard.</summary>
public static class WebhooksDashboardServiceCollectionExtensions
{
    /// <summary>
    /// Adds what <c>MapWebhooksDashboard</c> needs besides <c>AddWebhooks</c> and the authorization policies: antiforgery
    /// for its forms. Optionally configures the options shared with the management API. Safe to call twice.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures who may read and write and how the tenant is resolved.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddWebhooksDashboard(this IServiceCollection services, Action<WebhooksEndpointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddAntiforgery();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return services;
    }
}

using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.OpenApi;
using Webhooks.Sdk.AspNetCore;
using Webhooks.Sdk.AspNetCore.Api;

#pragma warning disable IDE0130 // Extension methods live in the DI namespace, as Microsoft.Extensions.* do.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers the services of the webhook management API.</summary>
public static class WebhooksApiServiceCollectionExtensions
{
    /// <summary>The name of the API's OpenAPI document, served at <c>{prefix}/openapi.json</c>.</summary>
    public const string OpenApiDocumentName = "webhooks";

    /// <summary>
    /// Adds what <c>MapWebhooksApi</c> needs: its OpenAPI document (<see cref="OpenApiDocumentName"/>, holding only the
    /// API's routes) and problem details. Optionally configures the options shared with the dashboard.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures who may read and write and how the tenant is resolved.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddWebhooksApi(this IServiceCollection services, Action<WebhooksEndpointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(WebhooksApiMarker)))
        {
            return services;
        }

        services.TryAddSingleton<WebhooksApiMarker>();
        services.AddProblemDetails();
        services.AddOpenApi(OpenApiDocumentName, o =>
        {
            o.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            o.ShouldInclude = description => string.Equals(description.GroupName, OpenApiDocumentName, StringComparison.Ordinal);
            o.AddOperationTransformer(ApiRequestBody.TransformAsync);
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Webhooks management API";
                document.Info.Description =
                    "Destinations, tests, delivery history, replay, event types, formats, templates and publishing. " +
                    "Every error is application/problem+json (RFC 9457). Secrets are write-only.";
                return Task.CompletedTask;
            });
        });
        return services;
    }
}

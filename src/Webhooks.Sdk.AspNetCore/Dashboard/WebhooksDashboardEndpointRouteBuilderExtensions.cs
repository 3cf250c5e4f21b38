using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Webhooks.Sdk.AspNetCore.Dashboard;

namespace Webhooks.Sdk.AspNetCore;

/// <summary>Maps the webhooks dashboard: server-rendered pages to manage destinations, test them, read history and send events.</summary>
public static class WebhooksDashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the dashboard under <paramref name="prefix"/>. It uses the same read and write policies and the same tenant
    /// resolution as the management API (<see cref="WebhooksEndpointOptions"/>), and needs antiforgery services
    /// (<c>services.AddAntiforgery()</c>). Every link and form is relative to the mount point, so it works under a
    /// <c>PathBase</c> and behind a reverse proxy; all assets are embedded.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="prefix">The mount point, for example <c>/webhooks</c>.</param>
    /// <param name="configure">Changes the options for this mapping only (after those registered with <c>Configure&lt;WebhooksEndpointOptions&gt;</c>).</param>
    /// <returns>The route group, for further conventions.</returns>
    /// <exception cref="InvalidOperationException">The read or write policy does not exist (and anonymous access was not opted into), or antiforgery services are missing.</exception>
    public static RouteGroupBuilder MapWebhooksDashboard(this IEndpointRouteBuilder endpoints, string prefix = "/webhooks", Action<WebhooksEndpointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        var options = EndpointSecurity.Resolve(endpoints, configure, nameof(MapWebhooksDashboard));
        if (endpoints.ServiceProvider.GetService<IAntiforgery>() is null)
        {
            throw new InvalidOperationException(
                "MapWebhooksDashboard needs antiforgery services for its forms; add them with services.AddAntiforgery().");
        }

        if (endpoints.ServiceProvider.GetService<IWebhookDestinationManager>() is null)
        {
            throw new InvalidOperationException("MapWebhooksDashboard needs the webhook services; add them with services.AddWebhooks().");
        }

        var handlers = new DashboardHandlers(options);
        var group = endpoints.MapGroup(prefix);
        group.AddEndpointFilter(async (context, next) =>
        {
            DashboardHandlers.AddSecurityHeaders(context.HttpContext.Response);
            return await next(context).ConfigureAwait(false);
        });
        group.RequireRead(options);
        group.ExcludeFromDescription();

        group.MapGet("/", (Delegate)handlers.OverviewAsync);
        group.MapGet("/assets/{name}", (Delegate)DashboardAssets.Serve);
        group.MapGet("/destinations", (Delegate)handlers.ListAsync);
        group.MapGet("/destinations/new", (Delegate)handlers.NewAsync);
        group.MapGet("/destinations/{id}", (Delegate)handlers.EditAsync);
        group.MapGet("/destinations/{id}/deliveries", (Delegate)handlers.HistoryAsync);
        group.MapGet("/destinations/{id}/delete", (Delegate)handlers.ConfirmDeleteAsync);
        group.MapGet("/event-types", (Delegate)handlers.EventTypesAsync);
        group.MapGet("/send", (Delegate)handlers.SendFormAsync);

        var writes = group.MapGroup(string.Empty);
        writes.RequireWrite(options);
        writes.AddEndpointFilter(async (context, next) =>
        {
            var antiforgery = context.HttpContext.RequestServices.GetRequiredService<IAntiforgery>();
            if (!await antiforgery.IsRequestValidAsync(context.HttpContext).ConfigureAwait(false))
            {
                return Results.Content("The form expired or did not come from this page. Go back, reload and try again.", "text/plain; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
            }

            return await next(context).ConfigureAwait(false);
        });
        writes.MapPost("/destinations/new", (Delegate)handlers.CreateAsync);
        writes.MapPost("/destinations/{id}", (Delegate)handlers.SaveAsync);
        writes.MapPost("/destinations/{id}/test", (Delegate)handlers.TestSavedAsync);
        writes.MapPost("/destinations/{id}/enable", (Delegate)handlers.EnableAsync);
        writes.MapPost("/destinations/{id}/disable", (Delegate)handlers.DisableAsync);
        writes.MapPost("/destinations/{id}/delete", (Delegate)handlers.DeleteAsync);
        writes.MapPost("/destinations/{id}/replay", (Delegate)handlers.ReplayAsync);
        writes.MapPost("/deliveries/{id}/redeliver", (Delegate)handlers.RedeliverAsync);
        writes.MapPost("/send", (Delegate)handlers.SendAsync);
        return group;
    }
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Webhooks.Sdk.AspNetCore;

/// <summary>
/// Options shared by the management API (<c>MapWebhooksApi</c>) and the dashboard (<c>MapWebhooksDashboard</c>):
/// who may read, who may write, and which tenant a request acts for.
/// </summary>
public sealed class WebhooksEndpointOptions
{
    /// <summary>The claim the default tenant resolver reads.</summary>
    public const string TenantClaimType = "webhooks_tenant";

    /// <summary>Gets or sets the authorization policy required to read destinations, history, event types and stats.</summary>
    /// <value>The default value is <c>Webhooks.Read</c>.</value>
    public string ReadPolicy { get; set; } = "Webhooks.Read";

    /// <summary>Gets or sets the authorization policy required to create, change, delete, test, rotate, redeliver, replay and publish.</summary>
    /// <value>The default value is <c>Webhooks.Write</c>.</value>
    public string WritePolicy { get; set; } = "Webhooks.Write";

    /// <summary>
    /// Gets or sets a value indicating whether the endpoints may be mapped without authorization. Only for local development:
    /// anyone who can reach the endpoints can then manage every destination of the resolved tenant.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool DangerouslyAllowAnonymous { get; set; }

    /// <summary>
    /// Gets or sets the largest request body accepted, in bytes, 1 KB to 16 MB; a larger one is refused with 413 before it is
    /// read in full.
    /// </summary>
    /// <value>The default value is 1048576 (1 MB).</value>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Gets or sets the function that resolves the tenant of a request. It is never read from a request body. The default reads
    /// the <see cref="TenantClaimType"/> claim and falls back to the <c>default</c> tenant.
    /// </summary>
    public Func<HttpContext, string> TenantResolver { get; set; } = DefaultTenant;

    /// <summary>Resolves the tenant from a route value, for routes such as <c>/accounts/{accountId}/webhooks</c>.</summary>
    /// <param name="routeValueName">The route value that carries the tenant id.</param>
    /// <returns>This instance.</returns>
    public WebhooksEndpointOptions UseRouteValueTenant(string routeValueName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(routeValueName);
        TenantResolver = context => context.GetRouteValue(routeValueName)?.ToString() is { Length: > 0 } tenant
            ? tenant
            : throw new InvalidOperationException($"The route value '{routeValueName}' that names the tenant is missing.");
        return this;
    }

    private static string DefaultTenant(HttpContext context) =>
        context.User.FindFirst(TenantClaimType)?.Value is { Length: > 0 } tenant ? tenant : WebhookTenant.Default;
}

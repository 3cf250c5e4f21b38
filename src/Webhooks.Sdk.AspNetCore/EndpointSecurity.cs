using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Webhooks.Sdk.AspNetCore;

/// <summary>The one place that decides how the webhook endpoints are secured; the API and the dashboard both use it.</summary>
internal static class EndpointSecurity
{
    /// <summary>Reads the options and fails at mapping time unless both policies exist or anonymous access was opted into.</summary>
    public static WebhooksEndpointOptions Resolve(IEndpointRouteBuilder endpoints, Action<WebhooksEndpointOptions>? configure, string what)
    {
        var options = new WebhooksEndpointOptions();
        var configured = endpoints.ServiceProvider.GetService<IOptions<WebhooksEndpointOptions>>()?.Value;
        if (configured is not null)
        {
            options.ReadPolicy = configured.ReadPolicy;
            options.WritePolicy = configured.WritePolicy;
            options.DangerouslyAllowAnonymous = configured.DangerouslyAllowAnonymous;
            options.TenantResolver = configured.TenantResolver;
            options.MaxRequestBodyBytes = configured.MaxRequestBodyBytes;
        }

        configure?.Invoke(options);
        if (options.MaxRequestBodyBytes is < 1024 or > 16 * 1024 * 1024)
        {
            throw new InvalidOperationException($"WebhooksEndpointOptions.MaxRequestBodyBytes must be between 1024 and 16777216 bytes, not {options.MaxRequestBodyBytes}.");
        }

        ArgumentNullException.ThrowIfNull(options.TenantResolver, "WebhooksEndpointOptions.TenantResolver");
        if (options.DangerouslyAllowAnonymous)
        {
            return options;
        }

        var provider = endpoints.ServiceProvider.GetService<IAuthorizationPolicyProvider>();
        var missing = new List<string>();
        foreach (var name in new[] { options.ReadPolicy, options.WritePolicy })
        {
            if (provider is null || provider.GetPolicyAsync(name).GetAwaiter().GetResult() is null)
            {
                missing.Add(name);
            }
        }

        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"{what} needs the authorization policies '{options.ReadPolicy}' (read) and '{options.WritePolicy}' (write); " +
                $"missing: {string.Join(", ", missing.Select(m => $"'{m}'"))}. Add them with " +
                $"services.AddAuthorization(o => {{ o.AddPolicy(\"{options.ReadPolicy}\", ...); o.AddPolicy(\"{options.WritePolicy}\", ...); }}), " +
                "name other policies in WebhooksEndpointOptions.ReadPolicy and WritePolicy, or, for local development only, " +
                "set WebhooksEndpointOptions.DangerouslyAllowAnonymous = true.");
        }

        return options;
    }

    /// <summary>Requires the read policy on a group (or nothing when anonymous access was opted into).</summary>
    public static TBuilder RequireRead<TBuilder>(this TBuilder builder, WebhooksEndpointOptions options)
        where TBuilder : IEndpointConventionBuilder =>
        options.DangerouslyAllowAnonymous ? builder.AllowAnonymous() : builder.RequireAuthorization(options.ReadPolicy);

    /// <summary>Requires the write policy on an endpoint (or nothing when anonymous access was opted into).</summary>
    public static TBuilder RequireWrite<TBuilder>(this TBuilder builder, WebhooksEndpointOptions options)
        where TBuilder : IEndpointConventionBuilder =>
        options.DangerouslyAllowAnonymous ? builder.AllowAnonymous() : builder.RequireAuthorization(options.ReadPolicy, options.WritePolicy);

    /// <summary>Tells whether the current user passes the write policy (the dashboard hides write controls otherwise).</summary>
    public static async Task<bool> CanWriteAsync(HttpContext context, WebhooksEndpointOptions options)
    {
        if (options.DangerouslyAllowAnonymous)
        {
            return true;
        }

        var authorization = context.RequestServices.GetRequiredService<IAuthorizationService>();
        var result = await authorization.AuthorizeAsync(context.User, options.WritePolicy).ConfigureAwait(false);
        return result.Succeeded;
    }
}

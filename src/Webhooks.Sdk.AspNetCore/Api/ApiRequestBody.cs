using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Webhooks.Sdk.AspNetCore.Api;

/// <summary>
/// Describes a route's JSON body for the OpenAPI document. The API reads bodies itself (to answer 415, 413 and 400 as
/// problem details), so it does not declare <c>Accepts</c>, whose content-type matching would answer 415 before the route runs.
/// </summary>
internal sealed record ApiRequestBody(Type Type, bool Optional, string[] ContentTypes)
{
    /// <summary>Adds the body to the operations of routes that declared one.</summary>
    public static async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<ApiRequestBody>().LastOrDefault() is not { } body)
        {
            return;
        }

        var schema = await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken).ConfigureAwait(false);
        var content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal);
        foreach (var contentType in body.ContentTypes)
        {
            content[contentType] = new OpenApiMediaType { Schema = schema };
        }

        operation.RequestBody = new OpenApiRequestBody { Required = !body.Optional, Content = content };
    }
}

/// <summary>Declares a route's body for the OpenAPI document.</summary>
internal static class ApiRequestBodyExtensions
{
    public static RouteHandlerBuilder Body<T>(this RouteHandlerBuilder builder, bool optional = false, params string[] contentTypes)
        => builder.WithMetadata(new ApiRequestBody(typeof(T), optional, contentTypes.Length == 0 ? [ApiJson.JsonContentType] : contentTypes));
}

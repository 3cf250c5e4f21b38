using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Webhooks.Sdk.AspNetCore.Api;

/// <summary>
/// Describes the query parameters to OpenAPI as what they accept: the routes bind them as strings so that they can refuse
/// bad values with the API's own problem (naming every one), which would otherwise all be documented as plain strings.
/// </summary>
internal static class ApiQueryParameters
{
    public static Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (parameter.In != ParameterLocation.Query)
            {
                continue;
            }

            (parameter.Schema, parameter.Description) = parameter.Name switch
            {
                "limit" => (new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1", Maximum = "200" }, "How many items per page, 1 to 200 (default 50)."),
                "cursor" => (new OpenApiSchema { Type = JsonSchemaType.String }, "The nextCursor of the previous page."),
                "since" => (new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" }, "The start of the window (inclusive), ISO 8601."),
                "until" => (new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" }, "The end of the window (exclusive), ISO 8601."),
                "status" => (Enum("pending", "succeeded", "failed"), "The delivery status."),
                "statusClass" => (Enum("2xx", "4xx", "5xx", "none"), "The class of the last attempt's status code; none when nothing was received."),
                "eventType" => (new OpenApiSchema { Type = JsonSchemaType.String }, "The exact event type."),
                _ => (parameter.Schema, parameter.Description),
            };
        }

        return Task.CompletedTask;
    }

    private static OpenApiSchema Enum(params string[] values) => new()
    {
        Type = JsonSchemaType.String,
        Enum = values.Select(v => (JsonNode)JsonValue.Create(v)).ToList(),
    };
}

using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Webhooks.Sdk.AspNetCore.Api;

/// <summary>JSON in and out of the management API: camelCase, enums as camelCase strings, unknown fields refused.</summary>
internal static partial class ApiJson
{
    public const string JsonContentType = "application/json";
    public const string MergePatchContentType = "application/merge-patch+json";

    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowOutOfOrderMetadataProperties = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>
    /// Reads a required JSON body: 415 unless the content type is JSON (or one of <paramref name="mediaTypes"/>), 413 past
    /// the size limit, 400 naming the field when it is not JSON or has unknown fields.
    /// </summary>
    public static async Task<T> ReadAsync<T>(HttpContext context, WebhooksEndpointOptions options, params string[] mediaTypes)
    {
        var node = await ReadNodeAsync(context, options, required: true, mediaTypes).ConfigureAwait(false);
        return Deserialize<T>(node!);
    }

    /// <summary>Reads an optional JSON body: <see langword="null"/> when the request has none.</summary>
    public static async Task<T?> ReadOptionalAsync<T>(HttpContext context, WebhooksEndpointOptions options)
        where T : class
    {
        var node = await ReadNodeAsync(context, options, required: false).ConfigureAwait(false);
        return node is null ? null : Deserialize<T>(node);
    }

    public static T Deserialize<T>(JsonNode node)
    {
        try
        {
            return node.Deserialize<T>(Options) ?? throw ApiProblemException.Invalid("$", "must be a JSON object, not null");
        }
        catch (JsonException exception)
        {
            throw FromJsonException(exception, node);
        }
    }

    public static async Task<JsonNode?> ReadNodeAsync(HttpContext context, WebhooksEndpointOptions options, bool required, params string[] mediaTypes)
    {
        var request = context.Request;
        var hasBody = request.ContentLength is > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);
        if (!hasBody)
        {
            if (required)
            {
                throw new ApiProblemException(StatusCodes.Status400BadRequest, ApiProblems.Types.InvalidBody, "The request body is missing.", "This request needs a JSON body.");
            }

            return null;
        }

        if (!IsAccepted(request.ContentType, mediaTypes))
        {
            var accepted = string.Join(" or ", new[] { JsonContentType }.Concat(mediaTypes).Distinct(StringComparer.Ordinal));
            throw new ApiProblemException(
                StatusCodes.Status415UnsupportedMediaType,
                ApiProblems.Types.UnsupportedMediaType,
                "Unsupported media type.",
                $"The body must be sent as {accepted}, not '{(string.IsNullOrEmpty(request.ContentType) ? "(none)" : request.ContentType)}'.");
        }

        var limit = options.MaxRequestBodyBytes;
        if (request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit + 1;
        }

        var buffer = new ArrayBufferWriter<byte>();
        try
        {
            while (true)
            {
                var memory = buffer.GetMemory(16 * 1024);
                var read = await request.Body.ReadAsync(memory, context.RequestAborted).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                buffer.Advance(read);
                if (buffer.WrittenCount > limit)
                {
                    throw TooLarge(limit);
                }
            }
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(limit);
        }

        try
        {
            return JsonNode.Parse(buffer.WrittenSpan, documentOptions: new JsonDocumentOptions { MaxDepth = 64 })
                ?? throw ApiProblemException.Invalid("$", "must be a JSON object, not null");
        }
        catch (JsonException exception)
        {
            var where = exception.LineNumber is { } line ? $" (line {line + 1}, byte {exception.BytePositionInLine + 1})" : string.Empty;
            throw new ApiProblemException(
                StatusCodes.Status400BadRequest,
                ApiProblems.Types.InvalidBody,
                "The request body is not valid JSON.",
                $"The request body is not valid JSON{where}.",
                new Dictionary<string, string[]> { [PathToField(exception.Path)] = [$"is not valid JSON{where}"] });
        }
    }

    private static bool IsAccepted(string? contentType, string[] mediaTypes)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var parsed) || parsed.MediaType.Value is not { } mediaType)
        {
            return false;
        }

        return string.Equals(mediaType, JsonContentType, StringComparison.OrdinalIgnoreCase)
            || mediaTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase);
    }

    private static ApiProblemException TooLarge(long limit) => new(
        StatusCodes.Status413PayloadTooLarge,
        ApiProblems.Types.BodyTooLarge,
        "The request body is too large.",
        $"The request body exceeds the limit of {limit} bytes (WebhooksEndpointOptions.MaxRequestBodyBytes).");

    /// <summary>Names the field a deserialization error is about: an unknown field, a missing required one, or a value of the wrong shape.</summary>
    private static ApiProblemException FromJsonException(JsonException exception, JsonNode node)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var message = exception.Message;
        var path = PathToField(exception.Path);
        if (UnmappedProperty().Match(message) is { Success: true } unmapped)
        {
            var field = path.EndsWith(unmapped.Groups[1].Value, StringComparison.Ordinal) ? path : Join(path, unmapped.Groups[1].Value);
            errors[field] = ["is not a known field"];
        }
        else if (MissingRequired().Match(message) is { Success: true } missing)
        {
            foreach (var name in missing.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                errors[Join(path, name.Trim('\''))] = ["is required"];
            }
        }
        else if (message.Contains("type discriminator", StringComparison.OrdinalIgnoreCase))
        {
            errors[Join(path, "kind")] = ["is missing or not a known kind"];
        }
        else
        {
            errors[path.Length == 0 ? "$" : path] = [$"has a value of the wrong type or format{ExpectedHint(exception)}"];
        }

        _ = node;
        return new ApiProblemException(
            StatusCodes.Status400BadRequest,
            ApiProblems.Types.InvalidBody,
            "The request body does not match the expected shape.",
            string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")),
            errors);
    }

    private static string ExpectedHint(JsonException exception)
    {
        var message = exception.Message;
        if (message.Contains("System.TimeSpan", StringComparison.Ordinal))
        {
            return " (expected a duration such as \"00:00:05\")";
        }

        if (message.Contains("System.DateTimeOffset", StringComparison.Ordinal))
        {
            return " (expected an ISO 8601 date and time)";
        }

        if (message.Contains("System.Int32", StringComparison.Ordinal) || message.Contains("System.Double", StringComparison.Ordinal))
        {
            return " (expected a number)";
        }

        if (message.Contains("System.Boolean", StringComparison.Ordinal))
        {
            return " (expected true or false)";
        }

        if (message.Contains("System.String", StringComparison.Ordinal))
        {
            return " (expected a string)";
        }

        return string.Empty;
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    /// <summary>Turns a JSON path (<c>$.auth.secret</c>, <c>$.headers['X-Key']</c>) into the field name the errors use.</summary>
    public static string PathToField(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return string.Empty;
        }

        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return field.Replace("['", "[", StringComparison.Ordinal).Replace("']", "]", StringComparison.Ordinal);
    }

    [GeneratedRegex("The JSON property '([^']+)' could not be mapped")]
    private static partial Regex UnmappedProperty();

    [GeneratedRegex("missing required properties including: (.+?)\\.?$")]
    private static partial Regex MissingRequired();
}

using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.OpenApi;
using Webhooks.Sdk;
using Webhooks.Sdk.AspNetCore;
using Webhooks.Sdk.AspNetCore.Api;

#pragma warning disable IDE0130 // Endpoint mapping extensions live in the ASP.NET Core builder namespace, as MapHealthChecks does.
namespace Microsoft.AspNetCore.Builder;
#pragma warning restore IDE0130

/// <summary>Maps the webhook management HTTP API.</summary>
public static class WebhooksApiEndpointRouteBuilderExtensions
{
    /// <summary>The default prefix of the API: <c>/api/webhooks</c>.</summary>
    public const string DefaultPrefix = "/api/webhooks";

    private const int DefaultLimit = 50;
    private const int MaxLimit = 200;

    /// <summary>
    /// Maps the management API under <paramref name="prefix"/>: destinations, tests, history, replay, event types, formats,
    /// templates, publishing and the OpenAPI document (<c>{prefix}/openapi.json</c>). Readers need
    /// <see cref="WebhooksEndpointOptions.ReadPolicy"/>; writes need <see cref="WebhooksEndpointOptions.WritePolicy"/> as well.
    /// Needs <c>services.AddWebhooks()</c> and <c>services.AddWebhooksApi()</c>.
    /// </summary>
    /// <param name="endpoints">The application or a route group.</param>
    /// <param name="prefix">The route prefix; may carry route values, for example <c>/accounts/{accountId}/webhooks</c>.</param>
    /// <param name="configure">Adjusts the options for this mapping (on top of those configured with <c>AddWebhooksApi</c>).</param>
    /// <returns>The route group, for further conventions.</returns>
    /// <exception cref="InvalidOperationException">
    /// When a policy is missing (and anonymous access was not opted into), or a needed service is not registered.
    /// </exception>
    public static RouteGroupBuilder MapWebhooksApi(this IEndpointRouteBuilder endpoints, string prefix = DefaultPrefix, Action<WebhooksEndpointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        if (endpoints.ServiceProvider.GetService<IWebhookDestinationManager>() is null)
        {
            throw new InvalidOperationException("MapWebhooksApi needs the webhook library: call services.AddWebhooks(...) first.");
        }

        if (endpoints.ServiceProvider.GetService<WebhooksApiMarker>() is null)
        {
            throw new InvalidOperationException("MapWebhooksApi needs its services (the OpenAPI document and problem details): call services.AddWebhooksApi().");
        }

        var options = EndpointSecurity.Resolve(endpoints, configure, "MapWebhooksApi");
        var logger = endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(Log.Category);
        var group = endpoints.MapGroup(prefix)
            .WithGroupName(WebhooksApiServiceCollectionExtensions.OpenApiDocumentName)
            .RequireRead(options);
        group.AddEndpointFilter(new ProblemFilter(logger));

        MapDestinations(group, options, logger);
        MapDestinationActions(group, options, logger);
        MapHistory(group, options, logger);
        MapCatalogue(group, options, logger);
        MapOpenApiDocument(group);
        return group;
    }

    private static void MapDestinations(RouteGroupBuilder group, WebhooksEndpointOptions options, ILogger logger)
    {
        group.MapGet("/destinations", async (HttpContext http, string? limit, string? cursor) =>
        {
            var query = new QueryReader();
            var take = query.Limit(limit);
            query.ThrowIfInvalid();
            var page = await ManagementBackend.For(http, options).ListDestinationsAsync(take, cursor, http.RequestAborted).ConfigureAwait(false);
            return Json(page);
        })
            .WithName("ListDestinations").WithTags("Destinations")
            .WithSummary("Lists the tenant's destinations, newest first.")
            .WithDescription("Query: limit (1 to 200, default 50) and cursor (the nextCursor of the previous page).")
            .Produces<WebhooksApiPage<WebhookDestination>>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapPost("/destinations", async (HttpContext http) =>
        {
            var backend = ManagementBackend.For(http, options);
            var definition = await ApiJson.ReadAsync<WebhookDestinationDefinition>(http, options).ConfigureAwait(false);
            WebhookDestination created;
            try
            {
                created = await backend.Destinations.CreateAsync(definition, http.RequestAborted).ConfigureAwait(false);
            }
            catch (InvalidOperationException exception) when (exception.Message.Contains("MaxDestinationsPerTenant", StringComparison.Ordinal))
            {
                return ApiProblems.Problem(StatusCodes.Status409Conflict, ApiProblems.Types.TenantLimit, "The tenant's destination limit is reached.", exception.Message);
            }
            catch (InvalidOperationException exception) when (exception is not WebhookConcurrencyException)
            {
                // For example an id the tenant already uses.
                return ApiProblems.Conflict(exception.Message);
            }

            Log.DestinationChanged(logger, "created", created.Id, backend.TenantId, http);
            http.Response.Headers.ETag = ManagementBackend.ETagOf(created);
            IResult result = new LocationResult(
                TypedResults.Json(created, ApiJson.Options, statusCode: StatusCodes.Status201Created),
                $"{http.Request.PathBase}{http.Request.Path}/{Uri.EscapeDataString(created.Id)}");
            return result;
        })
            .RequireWrite(options)
            .WithName("CreateDestination").WithTags("Destinations")
            .WithSummary("Creates a destination.")
            .WithDescription("The body is a destination definition. Secrets in auth and secret format settings are write-only.")
            .Body<WebhookDestinationDefinition>()
            .Produces<WebhookDestination>(StatusCodes.Status201Created)
            .WithErrors(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);

        group.MapGet("/destinations/{id}", async (HttpContext http, string id) =>
        {
            var destination = await ManagementBackend.For(http, options).Destinations.GetAsync(id, http.RequestAborted).ConfigureAwait(false);
            return WithETag(http, destination);
        })
            .WithName("GetDestination").WithTags("Destinations")
            .WithSummary("Gets a destination (secrets as hints only), with its version as ETag.")
            .Produces<WebhookDestination>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPut("/destinations/{id}", async (HttpContext http, string id) =>
        {
            var backend = ManagementBackend.For(http, options);
            var node = await ApiJson.ReadNodeAsync(http, options, required: true).ConfigureAwait(false);
            var body = RequireObject(node);
            var definition = ApiJson.Deserialize<WebhookDestinationDefinition>(body);
            CheckBodyId(definition.Id, id);
            var matched = await backend.CheckIfMatchAsync(http, id).ConfigureAwait(false);
            var saved = await ApplyAsync(backend, http, id, definition, body, matched?.Version).ConfigureAwait(false);
            Log.DestinationChanged(logger, "replaced", id, backend.TenantId, http);
            return WithETag(http, saved);
        })
            .RequireWrite(options)
            .WithName("ReplaceDestination").WithTags("Destinations")
            .WithSummary("Replaces a destination's settings.")
            .WithDescription("Fields left out take their defaults, except auth and enabled, which keep their saved values. An empty secret keeps the saved one. Honours If-Match.")
            .Body<WebhookDestinationDefinition>()
            .Produces<WebhookDestination>()
            .WithErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status412PreconditionFailed, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);

        group.MapPatch("/destinations/{id}", async (HttpContext http, string id) =>
        {
            var backend = ManagementBackend.For(http, options);
            var node = await ApiJson.ReadNodeAsync(http, options, required: true, ApiJson.MergePatchContentType).ConfigureAwait(false);
            var patch = RequireObject(node);
            if (patch.TryGetPropertyValue("id", out var patchId) && patchId?.GetValueKind() is not System.Text.Json.JsonValueKind.String)
            {
                throw ApiProblemException.Invalid("id", "must be the id in the URL");
            }

            CheckBodyId(patchId?.GetValue<string>(), id);
            var current = await backend.CheckIfMatchAsync(http, id).ConfigureAwait(false)
                ?? await backend.Destinations.GetAsync(id, http.RequestAborted).ConfigureAwait(false);
            var formatters = http.RequestServices.GetServices<IWebhookFormatter>();
            var merged = MergePatch.Apply(DestinationJson.Editable(current, formatters), patch);
            var definition = ApiJson.Deserialize<WebhookDestinationDefinition>(merged);
            // The merge is built from this read: it saves only if the destination is still at its version.
            var saved = await ApplyAsync(backend, http, id, definition, patch, current.Version).ConfigureAwait(false);
            Log.DestinationChanged(logger, "patched", id, backend.TenantId, http);
            return WithETag(http, saved);
        })
            .RequireWrite(options)
            .WithName("PatchDestination").WithTags("Destinations")
            .WithSummary("Changes some of a destination's settings (JSON merge patch, RFC 7396).")
            .WithDescription("Send application/merge-patch+json (or application/json). Objects merge, null removes, arrays replace. auth is replaced as a whole; an empty secret keeps the saved one. Honours If-Match.")
            .Body<WebhookDestinationDefinition>(false, ApiJson.MergePatchContentType, ApiJson.JsonContentType)
            .Produces<WebhookDestination>()
            .WithErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status412PreconditionFailed, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);

        group.MapDelete("/destinations/{id}", async (HttpContext http, string id) =>
        {
            var backend = ManagementBackend.For(http, options);
            var matched = await backend.CheckIfMatchAsync(http, id).ConfigureAwait(false);
            await backend.DeleteAsync(id, matched?.Version, http.RequestAborted).ConfigureAwait(false);
            Log.DestinationChanged(logger, "deleted", id, backend.TenantId, http);
            return Results.NoContent();
        })
            .RequireWrite(options)
            .WithName("DeleteDestination").WithTags("Destinations")
            .WithSummary("Deletes a destination and its pending deliveries. Honours If-Match.")
            .Produces(StatusCodes.Status204NoContent)
            .WithErrors(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status412PreconditionFailed);
    }

    private static void MapDestinationActions(RouteGroupBuilder group, WebhooksEndpointOptions options, ILogger logger)
    {
        group.MapPost("/destinations/{id}/enable", async (HttpContext http, string id) =>
        {
            var backend = ManagementBackend.For(http, options);
            var matched = await backend.CheckIfMatchAsync(http, id).ConfigureAwait(false);
            var saved = await backend.EnableAsync(id, matched?.Version, http.RequestAborted).ConfigureAwait(false);
            Log.DestinationChanged(logger, "enabled", id, backend.TenantId, http);
            return WithETag(http, saved);
        })
            .RequireWrite(options)
            .WithName("EnableDestination").WithTags("Destinations")
            .WithSummary("Enables a destination and resets its failure counter. Honours If-Match.")
            .Produces<WebhookDestination>()
            .WithErrors(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status412PreconditionFailed);

        group.MapPost("/destinations/{id}/disable", async (HttpContext http, string id) =>
        {
            var backend = ManagementBackend.For(http, options);
            var body = await ApiJson.ReadOptionalAsync<WebhookDisableRequest>(http, options).ConfigureAwait(false);
            var matched = await backend.CheckIfMatchAsync(http, id).ConfigureAwait(false);
            var saved = await backend.DisableAsync(id, body?.Reason, matched?.Version, http.RequestAborted).ConfigureAwait(false);
            Log.DestinationChanged(logger, "disabled", id, backend.TenantId, http);
            return WithETag(http, saved);
        })
            .RequireWrite(options)
            .WithName("DisableDestination").WithTags("Destinations")
            .WithSummary("Disables a destination; the optional body gives the reason. Honours If-Match.")
            .Body<WebhookDisableRequest>(optional: true)
            .Produces<WebhookDestination>()
            .WithErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status412PreconditionFailed, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);

        group.MapPost("/destinations/{id}/test", async (HttpContext http, string id) =>
        {
            var backend = ManagementBackend.For(http, options);
            var request = await ApiJson.ReadOptionalAsync<WebhookTestRequest>(http, options).ConfigureAwait(false);
            var result = await backend.Destinations.TestAsync(id, request, http.RequestAborted).ConfigureAwait(false);
            return Json(result);
        })
            .RequireWrite(options)
            .WithName("TestDestination").WithTags("Destinations")
            .WithSummary("Sends a test event to a saved destination now and records it in its history.")
            .WithDescription("The optional body picks the event type and data; by default the catalogue example of the first subscribed type.")
            .Body<WebhookTestRequest>(optional: true)
            .Produces<WebhookTestResult>()
            .WithErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);

        group.MapPost("/destinations/test", async (HttpContext http, string? eventType) =>
        {
            var backend = ManagementBackend.For(http, options);
            var draft = await ApiJson.ReadAsync<WebhookDestinationDefinition>(http, options).ConfigureAwait(false);
            var request = string.IsNullOrEmpty(eventType) ? null : new WebhookTestRequest { EventType = eventType };
            var result = await backend.Destinations.TestDraftAsync(draft, request, http.RequestAborted).ConfigureAwait(false);
            return Json(result);
        })
            .RequireWrite(options)
            .WithName("TestDraftDestination").WithTags("Destinations")
            .WithSummary("Sends a test event to an unsaved draft (validated like a save; nothing is stored).")
            .WithDescription("The body is a destination definition; the optional query eventType picks the event type.")
            .Body<WebhookDestinationDefinition>()
            .Produces<WebhookTestResult>()
            .WithErrors(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);

        group.MapPost("/destinations/filter/test", async (HttpContext http) =>
        {
            var backend = ManagementBackend.For(http, options);
            var body = await ApiJson.ReadAsync<WebhookFilterTestRequest>(http, options).ConfigureAwait(false);
            if (body.Event is null)
            {
                throw new WebhookValidationException([new("Event", "is required")]);
            }

            var result = await backend.Destinations.TestFilterAsync(body.Filter, body.Event, http.RequestAborted).ConfigureAwait(false);
            return Json(result);
        })
            .RequireRead(options)
            .WithName("TestFilter").WithTags("Destinations")
            .WithSummary("Says whether an event would pass a payload filter, and why not.")
            .WithDescription("The body holds a filter and an event; nothing is stored. An invalid filter answers 400 with every problem and its position.")
            .Body<WebhookFilterTestRequest>()
            .Produces<WebhookFilterTestResult>()
            .WithErrors(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);

        group.MapPost("/destinations/{id}/secret/rotate", async (HttpContext http, string id) =>
        {
            var backend = ManagementBackend.For(http, options);
            var body = await ApiJson.ReadOptionalAsync<WebhookRotateSecretRequest>(http, options).ConfigureAwait(false);
            var matched = await backend.CheckIfMatchAsync(http, id).ConfigureAwait(false);
            WebhookSecretRotation rotation;
            try
            {
                rotation = await backend.RotateSecretAsync(id, body?.Secret, body?.Overlap, matched?.Version, http.RequestAborted).ConfigureAwait(false);
            }
            catch (InvalidOperationException exception) when (exception is not WebhookConcurrencyException)
            {
                return ApiProblems.Conflict(exception.Message);
            }

            Log.SecretRotated(logger, id, backend.TenantId, http);
            http.Response.Headers.ETag = ManagementBackend.ETagOf(rotation.Destination);
            return Json(rotation);
        })
            .RequireWrite(options)
            .WithName("RotateDestinationSecret").WithTags("Destinations")
            .WithSummary("Rotates the signing secret; the answer carries the new secret, the only time it is shown.")
            .WithDescription("The optional body gives the new secret and how long the current one keeps signing (overlap, default 24 hours). 409 when the destination does not sign. Honours If-Match.")
            .Body<WebhookRotateSecretRequest>(optional: true)
            .Produces<WebhookSecretRotation>()
            .WithErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status412PreconditionFailed, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);
    }

    private static void MapHistory(RouteGroupBuilder group, WebhooksEndpointOptions options, ILogger logger)
    {
        group.MapGet("/destinations/{id}/deliveries", async (HttpContext http, string id, string? status, string? eventType, string? since, string? until, string? statusClass, string? limit, string? cursor) =>
        {
            var query = new QueryReader();
            var filter = new DeliveryFilter(
                query.Status(status),
                string.IsNullOrEmpty(eventType) ? null : eventType,
                query.Time("since", since),
                query.Time("until", until),
                query.StatusClass(statusClass));
            var take = query.Limit(limit);
            query.ThrowIfInvalid();
            var page = await ManagementBackend.For(http, options).ListDeliveriesAsync(id, filter, take, cursor, http.RequestAborted).ConfigureAwait(false);
            return Json(page);
        })
            .WithName("ListDestinationDeliveries").WithTags("History")
            .WithSummary("Lists a destination's deliveries, newest first.")
            .WithDescription("Filters: status (pending, succeeded, failed), eventType, since and until (ISO 8601, by creation time), statusClass (2xx, 4xx, 5xx, none). Paging: limit (1 to 200) and cursor.")
            .Produces<WebhooksApiPage<WebhookDelivery>>()
            .WithErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);

        group.MapGet("/destinations/{id}/stats", async (HttpContext http, string id, string? since, string? until) =>
        {
            var backend = ManagementBackend.For(http, options);
            var query = new QueryReader();
            var now = backend.Time.GetUtcNow();
            var from = query.Time("since", since) ?? now.AddHours(-24);
            var to = query.Time("until", until) ?? now;
            if (to < from)
            {
                query.Add("until", "must not be before since");
            }

            query.ThrowIfInvalid();
            return Json(await backend.GetStatsAsync(id, from, to, http.RequestAborted).ConfigureAwait(false));
        })
            .WithName("GetDestinationStats").WithTags("History")
            .WithSummary("Counts a destination's deliveries by outcome over a window, with its last success, last failure and consecutive failures.")
            .WithDescription("Query: since (default 24 hours ago) and until (default now), ISO 8601.")
            .Produces<WebhookDestinationStats>()
            .WithErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);

        group.MapPost("/destinations/{id}/replay", async (HttpContext http, string id) =>
        {
            var backend = ManagementBackend.For(http, options);
            var body = await ApiJson.ReadAsync<WebhookReplayRequest>(http, options).ConfigureAwait(false);
            var query = new QueryReader();
            if (body.Since is null)
            {
                query.Add("since", "is required");
            }
            else if (body.Until is { } until && until < body.Since)
            {
                query.Add("until", "must not be before since");
            }

            query.ThrowIfInvalid();
            var queued = await backend.ReplayAsync(id, body.Since!.Value, body.Until, http.RequestAborted).ConfigureAwait(false);
            Log.Requeued(logger, queued, id, backend.TenantId, http);
            return TypedResults.Json(new WebhookReplayResult(queued), ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
        })
            .RequireWrite(options)
            .WithName("ReplayDestination").WithTags("History")
            .WithSummary("Queues again every failed delivery of the destination that failed in [since, until).")
            .Body<WebhookReplayRequest>()
            .Produces<WebhookReplayResult>(StatusCodes.Status202Accepted)
            .WithErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);

        group.MapGet("/deliveries/{id}", async (HttpContext http, string id) =>
        {
            var backend = ManagementBackend.For(http, options);
            var delivery = await backend.Deliveries.GetAsync(id, http.RequestAborted).ConfigureAwait(false);
            var attempts = await backend.Deliveries.ListAttemptsAsync(id, http.RequestAborted).ConfigureAwait(false);
            return Json(new WebhookDeliveryDetails(delivery, attempts));
        })
            .WithName("GetDelivery").WithTags("History")
            .WithSummary("Gets a delivery with every attempt: number, time, duration, status code, error and response excerpt.")
            .Produces<WebhookDeliveryDetails>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/deliveries/{id}/redeliver", async (HttpContext http, string id) =>
        {
            var backend = ManagementBackend.For(http, options);
            try
            {
                await backend.Deliveries.RedeliverAsync(id, http.RequestAborted).ConfigureAwait(false);
            }
            catch (InvalidOperationException exception) when (exception is not WebhookConcurrencyException)
            {
                return ApiProblems.Conflict(exception.Message);
            }

            var delivery = await backend.Deliveries.GetAsync(id, http.RequestAborted).ConfigureAwait(false);
            Log.Requeued(logger, 1, delivery.DestinationId, backend.TenantId, http);
            return TypedResults.Json(delivery, ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
        })
            .RequireWrite(options)
            .WithName("RedeliverDelivery").WithTags("History")
            .WithSummary("Queues a succeeded or failed delivery once more, now. 409 while it is pending or when it was a test.")
            .Produces<WebhookDelivery>(StatusCodes.Status202Accepted)
            .WithErrors(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
    }

    private static void MapCatalogue(RouteGroupBuilder group, WebhooksEndpointOptions options, ILogger logger)
    {
        group.MapGet("/event-types", (HttpContext http) =>
            Json(new WebhooksApiList<EventTypeDefinition>(http.RequestServices.GetRequiredService<IWebhookEventCatalog>().List())))
            .WithName("ListEventTypes").WithTags("Catalogue")
            .WithSummary("Lists the event types the application publishes, with a description and an example each.")
            .Produces<WebhooksApiList<EventTypeDefinition>>();

        group.MapGet("/formats", (HttpContext http) =>
            Json(new WebhooksApiList<WebhookFormatInfo>(FormatCatalog.Describe(http.RequestServices.GetServices<IWebhookFormatter>()))))
            .WithName("ListFormats").WithTags("Catalogue")
            .WithSummary("Lists the payload formats with their settings (secret settings are write-only).")
            .Produces<WebhooksApiList<WebhookFormatInfo>>();

        group.MapGet("/templates", () =>
            Json(new WebhooksApiList<WebhookTemplateInfo>(WebhookTemplates.BuiltIn.Select(t => new WebhookTemplateInfo(t.Key, t.Value)).ToArray())))
            .WithName("ListTemplates").WithTags("Catalogue")
            .WithSummary("Lists the starting templates for a destination's bodyTemplate.")
            .Produces<WebhooksApiList<WebhookTemplateInfo>>();

        group.MapPost("/events", async (HttpContext http) =>
        {
            var backend = ManagementBackend.For(http, options);
            var request = await ApiJson.ReadAsync<WebhookPublishRequest>(http, options).ConfigureAwait(false);
            if (request.DestinationIds is { Count: 0 })
            {
                throw ApiProblemException.Invalid("destinationIds", "must name at least one destination, or be left out to send to every subscribed destination");
            }

            PublishResult result;
            try
            {
                result = request.DestinationIds is { } ids
                    ? await backend.Publisher.EnqueueToAsync(request.ToEvent(), ids, http.RequestAborted).ConfigureAwait(false)
                    : await backend.Publisher.PublishAsync(request.ToEvent(), http.RequestAborted).ConfigureAwait(false);
            }
            catch (InvalidOperationException exception) when (request.DestinationIds is not null && exception is not WebhookConcurrencyException)
            {
                return ApiProblems.Conflict(exception.Message);
            }

            Log.Published(logger, result.EventId, request.Type ?? string.Empty, backend.TenantId, http, result.Deliveries.Count);
            return TypedResults.Json(result, ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
        })
            .RequireWrite(options)
            .WithName("PublishEvent").WithTags("Events")
            .WithSummary("Publishes an event; with destinationIds, sends it only to those destinations. 202: accepted (queued), not delivered.")
            .Body<WebhookPublishRequest>()
            .Produces<PublishResult>(StatusCodes.Status202Accepted)
            .WithErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);
    }

    private static void MapOpenApiDocument(RouteGroupBuilder group)
    {
        group.MapGet("/openapi.json", async (HttpContext http) =>
        {
            var provider = http.RequestServices.GetRequiredKeyedService<IOpenApiDocumentProvider>(WebhooksApiServiceCollectionExtensions.OpenApiDocumentName);
            var document = await provider.GetOpenApiDocumentAsync(http.RequestAborted).ConfigureAwait(false);
            var json = await document.SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1, http.RequestAborted).ConfigureAwait(false);
            return Results.Text(json, "application/json; charset=utf-8");
        })
            .ExcludeFromDescription();
    }

    private static async Task<WebhookDestination> ApplyAsync(ManagementBackend backend, HttpContext http, string id, WebhookDestinationDefinition definition, JsonObject body, long? expectedVersion)
    {
        var update = DestinationJson.ToUpdate(definition, authGiven: body.ContainsKey("auth"));
        update.ExpectedVersion = expectedVersion;
        var saved = await backend.Destinations.UpdateAsync(id, update, http.RequestAborted).ConfigureAwait(false);
        if (body.ContainsKey("enabled") && definition.Enabled != saved.Enabled)
        {
            saved = definition.Enabled
                ? await backend.Destinations.EnableAsync(id, http.RequestAborted).ConfigureAwait(false)
                : await backend.Destinations.DisableAsync(id, null, http.RequestAborted).ConfigureAwait(false);
        }

        return saved;
    }

    private static JsonObject RequireObject(JsonNode? node)
        => node as JsonObject ?? throw ApiProblemException.Invalid("$", "must be a JSON object");

    private static void CheckBodyId(string? bodyId, string id)
    {
        if (bodyId is not null && !string.Equals(bodyId, id, StringComparison.Ordinal))
        {
            throw ApiProblemException.Invalid("id", "must be the id in the URL (an id cannot be changed)");
        }
    }

    private static JsonHttpResult<T> Json<T>(T value) => TypedResults.Json(value, ApiJson.Options);

    private static JsonHttpResult<WebhookDestination> WithETag(HttpContext http, WebhookDestination destination)
    {
        http.Response.Headers.ETag = ManagementBackend.ETagOf(destination);
        return Json(destination);
    }

    private static RouteHandlerBuilder WithErrors(this RouteHandlerBuilder builder, params int[] statusCodes)
    {
        foreach (var status in statusCodes)
        {
            if (status == StatusCodes.Status400BadRequest)
            {
                builder.ProducesValidationProblem();
            }
            else
            {
                builder.ProducesProblem(status);
            }
        }

        return builder;
    }

    /// <summary>Reads query parameters and collects every invalid one, to refuse them together.</summary>
    private sealed class QueryReader
    {
        private readonly Dictionary<string, string[]> _errors = new(StringComparer.Ordinal);

        public void Add(string field, string message) => _errors[field] = [message];

        public int Limit(string? value)
        {
            if (string.IsNullOrEmpty(value))
            {
                return DefaultLimit;
            }

            if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= MaxLimit)
            {
                return limit;
            }

            Add("limit", $"must be a whole number from 1 to {MaxLimit}");
            return DefaultLimit;
        }

        public DateTimeOffset? Time(string field, string? value)
        {
            if (string.IsNullOrEmpty(value))
            {
                return null;
            }

            if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            {
                return time;
            }

            Add(field, "must be an ISO 8601 date and time, for example 2026-01-15T10:30:00Z");
            return null;
        }

        public WebhookDeliveryStatus? Status(string? value)
        {
            if (string.IsNullOrEmpty(value))
            {
                return null;
            }

            if (Enum.TryParse<WebhookDeliveryStatus>(value, ignoreCase: true, out var status) && !int.TryParse(value, out _))
            {
                return status;
            }

            Add("status", "must be pending, succeeded or failed");
            return null;
        }

        public WebhookStatusCodeClass? StatusClass(string? value)
        {
            if (string.IsNullOrEmpty(value))
            {
                return null;
            }

            switch (value.ToLowerInvariant())
            {
                case "2xx":
                    return WebhookStatusCodeClass.Success;
                case "4xx":
                    return WebhookStatusCodeClass.ClientError;
                case "5xx":
                    return WebhookStatusCodeClass.ServerError;
                case "none":
                    return WebhookStatusCodeClass.None;
                default:
                    Add("statusClass", "must be 2xx, 4xx, 5xx or none");
                    return null;
            }
        }

        public void ThrowIfInvalid()
        {
            if (_errors.Count > 0)
            {
                throw new ApiProblemException(
                    StatusCodes.Status400BadRequest,
                    ApiProblems.Types.Validation,
                    "One or more fields are invalid.",
                    string.Join("; ", _errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")),
                    _errors);
            }
        }
    }

    /// <summary>Turns the library's and the API's exceptions into problem details, and keeps answers out of caches.</summary>
    private sealed class ProblemFilter(ILogger logger) : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var http = context.HttpContext;
            http.Response.Headers.CacheControl = "no-store";
            IResult problem;
            try
            {
                return await next(context).ConfigureAwait(false);
            }
            catch (ApiProblemException exception)
            {
                problem = ApiProblems.From(exception);
                Log.Refused(logger, http, exception.Status, exception.Type);
            }
            catch (WebhookValidationException exception)
            {
                problem = ApiProblems.From(exception);
                Log.Refused(logger, http, StatusCodes.Status400BadRequest, ApiProblems.Types.Validation);
            }
            catch (WebhookUrlRefusedException exception)
            {
                problem = ApiProblems.From(exception);
                Log.Refused(logger, http, StatusCodes.Status400BadRequest, ApiProblems.Types.UrlRefused);
            }
            catch (WebhookNotFoundException exception)
            {
                problem = ApiProblems.NotFound(exception.Message);
                Log.Refused(logger, http, StatusCodes.Status404NotFound, ApiProblems.Types.NotFound);
            }
            catch (WebhookConcurrencyException exception)
            {
                problem = ApiProblems.From(exception, ifMatch: http.Request.Headers.IfMatch.Count > 0);
                Log.Refused(logger, http, StatusCodes.Status409Conflict, ApiProblems.Types.ConcurrencyConflict);
            }

            if (http.Response.HasStarted)
            {
                throw new InvalidOperationException("The response had started before the error could be reported.");
            }

            http.Response.Headers.Remove("ETag");
            return problem;
        }
    }

    /// <summary>A result with a <c>Location</c> header.</summary>
    private sealed class LocationResult(IResult inner, string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = location;
            return inner.ExecuteAsync(httpContext);
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Diagnostics;

/// <summary>
/// Traces of the library (<see cref="ActivitySource"/> <c>Webhooks.Sdk</c>), named after the OpenTelemetry messaging and
/// HTTP conventions: a <c>publish {event type}</c> producer span when an event is published, and a <c>send {event type}</c>
/// client span per attempt, parented to the publish context stored with the event. No span carries a URL path, query,
/// header value or secret: only the server's host and port.
/// </summary>
internal static class WebhookTelemetry
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "Webhooks.Sdk";

    /// <summary>The value of <c>messaging.system</c>.</summary>
    public const string MessagingSystem = "webhooks";

    public static readonly ActivitySource ActivitySource = new(Name, typeof(WebhookTelemetry).Assembly.GetName().Version?.ToString(3));

    /// <summary>Starts the producer span of a publish (null when nobody listens or it is not sampled).</summary>
    public static Activity? StartPublish(string tenantId, string eventId, string eventType)
    {
        var activity = ActivitySource.StartActivity("publish " + eventType, ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(Tags.MessagingSystem, MessagingSystem);
            activity.SetTag(Tags.MessagingOperationName, "publish");
            activity.SetTag(Tags.MessagingOperationType, "send");
            activity.SetTag(Tags.MessagingDestinationName, eventType);
            activity.SetTag(Tags.MessagingMessageId, eventId);
            activity.SetTag(Tags.TenantId, tenantId);
        }

        return activity;
    }

    /// <summary>Records how many deliveries a publish queued.</summary>
    public static void SetPublished(Activity? activity, int deliveries)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(Tags.MessagingBatchMessageCount, deliveries);
        }
    }

    /// <summary>
    /// The trace context to store with a published event: the current activity's W3C <c>traceparent</c> (the publish
    /// span, or the caller's own activity when the library's source is not listened to), or <see langword="null"/>.
    /// </summary>
    public static string? CaptureContext() => Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>
    /// Starts the client span of one attempt, a child of the stored publish context. When the library's source is not
    /// listened to but a publish context was stored, a bare activity is started instead, so the outgoing request still
    /// carries a <c>traceparent</c> of the publish's trace and HttpClient's own spans still join it.
    /// </summary>
    public static Activity? StartAttempt(LeasedDelivery leased, DestinationRuntime destination, int attemptNumber)
    {
        // The attempt belongs to its publish, not to whatever happened to be current when the dispatcher started.
        Activity.Current = null;
        var traceContext = leased.Event.TraceContext;
        ActivityContext.TryParse(traceContext, null, isRemote: true, out var parent);
        var delivery = leased.Delivery;
        var activity = ActivitySource.StartActivity("send " + delivery.EventType, ActivityKind.Client, parent);
        if (activity is null)
        {
            if (parent == default)
            {
                return null;
            }

            var bare = new Activity("Webhooks.Sdk.Attempt");
            bare.SetParentId(traceContext!);
            return bare.Start();
        }

        if (activity.IsAllDataRequested)
        {
            activity.SetTag(Tags.MessagingSystem, MessagingSystem);
            activity.SetTag(Tags.MessagingOperationName, "send");
            activity.SetTag(Tags.MessagingOperationType, "send");
            activity.SetTag(Tags.MessagingDestinationName, delivery.EventType);
            activity.SetTag(Tags.MessagingMessageId, delivery.EventId);
            activity.SetTag(Tags.DeliveryId, delivery.Id);
            activity.SetTag(Tags.DestinationId, destination.Id);
            activity.SetTag(Tags.DestinationFormat, destination.Config.Format);
            activity.SetTag(Tags.TenantId, delivery.TenantId);
            activity.SetTag(Tags.AttemptNumber, attemptNumber);
            if (attemptNumber > 1)
            {
                activity.SetTag(Tags.HttpRequestResendCount, attemptNumber - 1);
            }

            var url = destination.Url;
            activity.SetTag(Tags.UrlScheme, url.Scheme);
            activity.SetTag(Tags.ServerAddress, url.IdnHost);
            activity.SetTag(Tags.ServerPort, url.Port);
            if (url.Scheme is "http" or "https")
            {
                activity.SetTag(Tags.HttpRequestMethod, destination.Config.Method);
            }
        }

        return activity;
    }

    /// <summary>Sets the attempt's result on its span: status code, <c>error.type</c> and the span status.</summary>
    public static void SetOutcome(Activity? activity, AttemptOutcome outcome)
    {
        if (activity is null)
        {
            return;
        }

        var result = outcome.Result;
        if (activity.IsAllDataRequested && result.StatusCode is { } status)
        {
            activity.SetTag(Tags.HttpResponseStatusCode, status);
        }

        if (result.Success)
        {
            return;
        }

        var errorType = ErrorType(result, outcome.BreakerOpen);
        activity.SetTag(Tags.ErrorType, errorType);
        activity.SetStatus(ActivityStatusCode.Error, errorType);
    }

    /// <summary>
    /// The low-cardinality <c>error.type</c> of a failed attempt: the status code as a string when there was a response
    /// (as the HTTP conventions say), otherwise a short name of the failure.
    /// </summary>
    public static string ErrorType(WebhookAttemptResult result, bool breakerOpen = false)
    {
        if (breakerOpen)
        {
            return "circuit_open";
        }

        if (result.StatusCode is { } status)
        {
            return status.ToString(CultureInfo.InvariantCulture);
        }

        var error = result.Error ?? string.Empty;
        return error.StartsWith("Timed out", StringComparison.Ordinal) ? "timeout"
            : error.StartsWith("Formatting failed", StringComparison.Ordinal) ? "format_error"
            : error.Contains("refused", StringComparison.OrdinalIgnoreCase) || error.Contains("not allowed", StringComparison.OrdinalIgnoreCase) ? "address_refused"
            : "_OTHER";
    }

    /// <summary>Attribute and tag names.</summary>
    public static class Tags
    {
        public const string MessagingSystem = "messaging.system";
        public const string MessagingOperationName = "messaging.operation.name";
        public const string MessagingOperationType = "messaging.operation.type";
        public const string MessagingDestinationName = "messaging.destination.name";
        public const string MessagingMessageId = "messaging.message.id";
        public const string MessagingBatchMessageCount = "messaging.batch.message_count";
        public const string HttpRequestMethod = "http.request.method";
        public const string HttpResponseStatusCode = "http.response.status_code";
        public const string HttpRequestResendCount = "http.request.resend_count";
        public const string ServerAddress = "server.address";
        public const string ServerPort = "server.port";
        public const string UrlScheme = "url.scheme";
        public const string ErrorType = "error.type";
        public const string DeliveryId = "webhooks.delivery.id";
        public const string DestinationId = "webhooks.destination.id";
        public const string DestinationFormat = "webhooks.destination.format";
        public const string TenantId = "webhooks.tenant.id";
        public const string AttemptNumber = "webhooks.attempt.number";
        public const string AttemptOutcome = "webhooks.attempt.outcome";
        public const string StatusClass = "webhooks.http.status_class";
        public const string DeadLetterReason = "webhooks.dead_letter.reason";
        public const string PostponeReason = "webhooks.postpone.reason";
        public const string BreakerState = "webhooks.breaker.state";
    }
}

/// <summary>
/// The propagator of the library's HTTP handlers: the process-wide <see cref="DistributedContextPropagator.Current"/>,
/// except while <see cref="Suppressed"/> is set for the attempt in flight (a destination with
/// <c>PropagateTraceContext</c> off), when nothing is injected.
/// </summary>
internal sealed class WebhookTracePropagator : DistributedContextPropagator
{
    public static readonly WebhookTracePropagator Instance = new();

    private static readonly AsyncLocal<bool> SuppressedFlow = new();

    /// <summary>Gets or sets a value indicating whether the current async flow sends no trace context.</summary>
    public static bool Suppressed
    {
        get => SuppressedFlow.Value;
        set
        {
            // Setting an async-local copies the execution context: only when the value changes.
            if (SuppressedFlow.Value != value)
            {
                SuppressedFlow.Value = value;
            }
        }
    }

    public override IReadOnlyCollection<string> Fields => Inner.Fields;

    private static DistributedContextPropagator Inner => Current is WebhookTracePropagator ? CreateDefaultPropagator() : Current;

    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter)
    {
        if (!SuppressedFlow.Value)
        {
            Inner.Inject(activity, carrier, setter);
        }
    }

    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState)
        => Inner.ExtractTraceIdAndState(carrier, getter, out traceId, out traceState);

    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter)
        => Inner.ExtractBaggage(carrier, getter);
}

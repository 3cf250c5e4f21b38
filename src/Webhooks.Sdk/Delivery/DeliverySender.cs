using System.Buffers;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Diagnostics;
using Webhooks.Sdk.Internal;

namespace Webhooks.Sdk.Delivery;

/// <summary>The outcome of one attempt, with its timing.</summary>
internal sealed record AttemptOutcome(WebhookAttemptResult Result, DateTimeOffset StartedAt, TimeSpan Duration, bool BreakerOpen = false)
{
    /// <summary>Gets how long the open breaker stays open (when <see cref="BreakerOpen"/>), if the breaker said.</summary>
    public TimeSpan? BreakerRetryAfter { get; init; }

    /// <summary>
    /// Gets a value indicating whether the destination asked to slow down (429, 502 or 504, the Standard Webhooks
    /// throttle signals): such an answer slows the destination down and counts neither toward the circuit breaker nor
    /// toward auto-disable.
    /// </summary>
    public bool Throttled => DeliverySender.IsThrottle(Result);

    /// <summary>Gets the response body (bounded) when it was asked for, to read a created item's id.</summary>
    public string? ResponseBody { get; init; }

    /// <summary>Gets a value indicating whether a 410 concerned one item (an update URL), not the destination.</summary>
    public bool KeepDestination { get; init; }
}

/// <summary>Receives the bounded response body of an attempt when a create-then-update flow needs it.</summary>
internal sealed class ResponseCapture
{
    /// <summary>The most a create response is read for its id.</summary>
    public const int Limit = 64 * 1024;

    public string? Body { get; set; }
}

/// <summary>
/// Makes one attempt: renders the payload, builds the request with the library's headers, authenticates it and sends it
/// through <see cref="IHttpClientFactory"/> inside the destination's Polly pipeline (attempt timeout and breaker), or
/// hands it to a non-HTTP transport. The attempt's own async methods reuse their state machines
/// (<see cref="PoolingAsyncValueTaskMethodBuilder{TResult}"/>): each is awaited once, at once.
/// </summary>
internal sealed class DeliverySender
{
    /// <summary>The name of the library's HTTP client.</summary>
    public const string HttpClientName = "Webhooks.Sdk";

    private static readonly string DefaultUserAgent = "Webhooks.Sdk/" + (typeof(DeliverySender).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly FormatterRegistry _formatters;
    private readonly AuthenticatorRegistry _authenticators;
    private readonly TransportRegistry _transports;
    private readonly TimeProvider _time;
    private readonly IWebhookUrlPolicy _urlPolicy;
    private readonly WebhooksOptions _options;
    private readonly string _userAgent;
    private readonly WebhookMetrics _metrics;
    private readonly Func<DestinationRuntime, ResiliencePipeline<WebhookAttemptResult>> _buildBreakerPipeline;
    private readonly Auth.ClientCertificates _clientCertificates;
    private DefaultClient? _defaultClient;

    public DeliverySender(
        IHttpClientFactory httpClientFactory,
        FormatterRegistry formatters,
        AuthenticatorRegistry authenticators,
        TransportRegistry transports,
        TimeProvider time,
        IOptions<WebhooksOptions> options,
        IWebhookUrlPolicy urlPolicy,
        WebhookMetrics metrics,
        Auth.ClientCertificates clientCertificates)
    {
        _clientCertificates = clientCertificates;
        _urlPolicy = urlPolicy;
        _httpClientFactory = httpClientFactory;
        _metrics = metrics;
        _formatters = formatters;
        _authenticators = authenticators;
        _transports = transports;
        _time = time;
        _options = options.Value;
        _userAgent = _options.UserAgent ?? DefaultUserAgent;
        _buildBreakerPipeline = d => BuildPipeline(d, withBreaker: true);
    }

    /// <summary>How long one <see cref="HttpClient"/> of the default name is reused before the factory is asked again (so its handler rotation still applies).</summary>
    internal static TimeSpan DefaultClientReuse { get; } = TimeSpan.FromSeconds(30);

    public WebhookPayload Render(DestinationRuntime destination, CachedEvent cached, string? correlationId)
        => Formatting.PayloadRenderer.Render(_formatters.Get(destination.Config.Format), cached, destination.Public, correlationId, _options.Safety.MaxRenderedBodyBytes);

    /// <summary>Makes one attempt.</summary>
    /// <param name="destination">The destination.</param>
    /// <param name="cached">The event.</param>
    /// <param name="attemptNumber">The attempt's number (1 for the first).</param>
    /// <param name="correlationId">The correlation id of an update, or <see langword="null"/>.</param>
    /// <param name="useBreaker">Whether the destination's circuit breaker applies (not for a test send).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <param name="capture">Receives the response body of a create, or <see langword="null"/>.</param>
    /// <param name="deliveryId">The <c>webhook-delivery-id</c>, or <see langword="null"/>.</param>
    /// <param name="successExcerpt">
    /// Whether a success's response body is read into the attempt's excerpt (a test send shows it; the dispatcher's
    /// attempts follow <see cref="WebhookSafetyOptions.ResponseExcerptOnSuccess"/>). A failure's excerpt is always kept.
    /// </param>
    /// <returns>The outcome with its timing.</returns>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<AttemptOutcome> SendAsync(DestinationRuntime destination, CachedEvent cached, int attemptNumber, string? correlationId, bool useBreaker, CancellationToken cancellationToken, ResponseCapture? capture = null, string? deliveryId = null, bool successExcerpt = true)
    {
        var startedAt = _time.GetUtcNow();
        var stopwatch = new AttemptClock(_time);
        WebhookPayload payload;
        try
        {
            payload = Render(destination, cached, correlationId);
        }
#pragma warning disable CA1031 // A formatter failure is recorded as a failed attempt, not a crash of the dispatcher.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            return new AttemptOutcome(new WebhookAttemptResult { Success = false, Error = "Formatting failed: " + ex.Message }, startedAt, stopwatch.Elapsed());
        }

        var url = destination.Url;
        if (payload.Url is not null)
        {
            // A URL rendered from a template (update URL, templated destination URL) passes the URL policy again: its
            // host is fixed at save, but the rendered whole must still be an allowed absolute URL.
            var templated = (correlationId is not null && destination.Public.Correlation is not null) || destination.Config.Url.Contains("${", StringComparison.Ordinal);
            if (!Uri.TryCreate(payload.Url, UriKind.Absolute, out var rendered))
            {
                return new AttemptOutcome(new WebhookAttemptResult { Success = false, Error = $"The rendered URL was refused by rule '{WebhookUrlRules.InvalidHost}': it is not a valid absolute URL." }, startedAt, stopwatch.Elapsed());
            }

            if (templated)
            {
                var verdict = await _urlPolicy.EvaluateAsync(rendered, cancellationToken).ConfigureAwait(false);
                if (!verdict.Allowed)
                {
                    return new AttemptOutcome(new WebhookAttemptResult { Success = false, Error = Redaction.Error($"The rendered URL {Redaction.Url(rendered)} was refused by rule '{verdict.Rule}': {verdict.Reason}", rendered) }, startedAt, stopwatch.Elapsed());
                }
            }

            url = rendered;
        }

        var pipeline = useBreaker ? GetPipeline(destination) : BuildPipeline(destination, withBreaker: false);
        try
        {
            var attempt = new Attempt(destination, cached, payload, url, attemptNumber, capture, deliveryId, successExcerpt);
            var result = await pipeline.ExecuteAsync(
                static (state, ct) => state.self.SendOnceAsync(state.attempt, ct),
                (self: this, attempt),
                cancellationToken).ConfigureAwait(false);
            return new AttemptOutcome(result, startedAt, stopwatch.Elapsed()) { ResponseBody = capture?.Body };
        }
        catch (BrokenCircuitException ex)
        {
            // Half-open, a probe is in flight: Polly names a whole break, but the probe decides within one attempt, so
            // the caller waits briefly instead (null) and the backlog drains as soon as the probe succeeds.
            var halfOpen = destination.State?.BreakerState is { CircuitState: CircuitState.HalfOpen };
            return new AttemptOutcome(new WebhookAttemptResult { Success = false, Error = "The destination's circuit breaker is open." }, startedAt, stopwatch.Elapsed(), BreakerOpen: true) { BreakerRetryAfter = halfOpen ? null : ex.RetryAfter };
        }
        catch (TimeoutRejectedException)
        {
            var error = $"Timed out after {destination.Config.AttemptTimeoutMs / 1000.0:0.###} s.";
            return new AttemptOutcome(new WebhookAttemptResult { Success = false, Error = error }, startedAt, stopwatch.Elapsed());
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<WebhookAttemptResult> SendOnceAsync(Attempt attempt, CancellationToken cancellationToken)
    {
        var (destination, cached, payload, url, attemptNumber, capture, deliveryId, successExcerpt) = attempt;
        if (url.Scheme is not ("http" or "https"))
        {
            if (!_transports.TryGet(url.Scheme, out var transport))
            {
                return new WebhookAttemptResult { Success = false, Error = $"No transport is registered for scheme '{url.Scheme}'." };
            }

            try
            {
                var headers = await TransportHeadersAsync(destination, cached, payload, url, attemptNumber, deliveryId, cancellationToken).ConfigureAwait(false);
                var request = new WebhookTransportRequest
                {
                    Url = url,
                    Payload = payload,
                    Destination = destination.Public,
                    Auth = destination.Auth,
                    State = destination.State,
                    Event = cached.Event,
                    DeliveryId = deliveryId,
                    AttemptNumber = attemptNumber,
                    Headers = headers,
                };
                return await transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A transport's failure is recorded as a failed attempt, not a crash of the dispatcher.
            catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
            {
                return new WebhookAttemptResult { Success = false, Error = Redaction.Error(ex.Message, url) };
            }
        }

        var authenticator = _authenticators.Get(destination.Auth.Kind);
        Auth.MutualTlsClient? ownedCertificate = null;
        using var use = destination.Auth is MutualTlsWebhookAuth && destination.State is { } state ? state.Use(_time.GetUtcNow().UtcTicks) : default;

        // A client certificate lives in the destination's state (released with it); a draft's lives for this call.
        var client = destination.Auth is MutualTlsWebhookAuth mtls
            ? _clientCertificates.For(mtls, destination.State, out ownedCertificate).Client
            : authenticator.GetHttpClientName(destination.Auth) is { } clientName ? _httpClientFactory.CreateClient(clientName) : DefaultHttpClient();
        using var disposeOwned = ownedCertificate;
        try
        {
            var timestamp = _time.GetUtcNow();
            using var request = BuildRequest(destination, cached, payload, url, attemptNumber, timestamp, deliveryId);
            var authContext = new WebhookAuthContext
            {
                Auth = destination.Auth,
                Request = request,
                Body = payload.Body,
                MessageId = cached.Event.Id!,
                Timestamp = timestamp,
                TenantId = destination.TenantId,
                DestinationId = destination.Id,
                State = destination.State,
            };
            await authenticator.ApplyAsync(authContext, cancellationToken).ConfigureAwait(false);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Unauthorized && await authenticator.OnUnauthorizedAsync(authContext, cancellationToken).ConfigureAwait(false))
            {
                var retryTimestamp = _time.GetUtcNow();
                using var retry = BuildRequest(destination, cached, payload, url, attemptNumber, retryTimestamp, deliveryId);
                await authenticator.ApplyAsync(
                    new WebhookAuthContext { Auth = destination.Auth, Request = retry, Body = payload.Body, MessageId = cached.Event.Id!, Timestamp = retryTimestamp, TenantId = destination.TenantId, DestinationId = destination.Id, State = destination.State },
                    cancellationToken).ConfigureAwait(false);
                using var retryResponse = await client.SendAsync(retry, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                return await ToResultAsync(retryResponse, capture, successExcerpt, cancellationToken).ConfigureAwait(false);
            }

            return await ToResultAsync(response, capture, successExcerpt, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            return new WebhookAttemptResult { Success = false, Error = Redaction.Error(Describe(ex), url) };
        }
        catch (WebhookUrlRefusedException ex)
        {
            return new WebhookAttemptResult { Success = false, Error = Redaction.Error(ex.Message, url) };
        }
    }

    /// <summary>
    /// The headers an HTTP request would carry, for a non-HTTP transport: built like a request and passed through the
    /// destination's authenticator (except Basic and mutual TLS, which a transport reads from the auth itself).
    /// </summary>
    private async Task<IReadOnlyList<KeyValuePair<string, string>>> TransportHeadersAsync(DestinationRuntime destination, CachedEvent cached, WebhookPayload payload, Uri url, int attemptNumber, string? deliveryId, CancellationToken cancellationToken)
    {
        var timestamp = _time.GetUtcNow();
        using var request = BuildRequest(destination, cached, payload, url, attemptNumber, timestamp, deliveryId);
        request.Headers.Remove("User-Agent");
        if (destination.Auth is not (NoWebhookAuth or BasicWebhookAuth or MutualTlsWebhookAuth))
        {
            await _authenticators.Get(destination.Auth.Kind).ApplyAsync(
                new WebhookAuthContext { Auth = destination.Auth, Request = request, Body = payload.Body, MessageId = cached.Event.Id!, Timestamp = timestamp, TenantId = destination.TenantId, DestinationId = destination.Id },
                cancellationToken).ConfigureAwait(false);
        }

        var headers = new List<KeyValuePair<string, string>>();
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                headers.Add(new(name, value));
            }
        }

        return headers;
    }

    private HttpRequestMessage BuildRequest(DestinationRuntime destination, CachedEvent cached, WebhookPayload payload, Uri url, int attemptNumber, DateTimeOffset timestamp, string? deliveryId)
    {
        var method = payload.Method ?? destination.Config.Method;
        var request = new HttpRequestMessage(method == "POST" ? HttpMethod.Post : method == "PUT" ? HttpMethod.Put : new HttpMethod(method), url)
        {
            Content = new ReadOnlyMemoryContent(payload.Body),
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", payload.ContentType);
        var headers = request.Headers;
        headers.TryAddWithoutValidation("User-Agent", _userAgent);
        headers.TryAddWithoutValidation("webhook-id", cached.Event.Id);
        headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        if (deliveryId is not null)
        {
            headers.TryAddWithoutValidation(DeliveryRunId.Header, deliveryId);
        }

        headers.TryAddWithoutValidation(_options.EventTypeHeader, cached.Event.Type);
        headers.TryAddWithoutValidation(_options.AttemptHeader, attemptNumber.ToString(CultureInfo.InvariantCulture));
        foreach (var (name, value) in destination.Config.Headers)
        {
            if (!HttpHeaderRules.IsReserved(name, _options))
            {
                headers.TryAddWithoutValidation(name, value);
            }
        }

        if (payload.Headers is { } extra)
        {
            foreach (var (name, value) in extra)
            {
                if (!HttpHeaderRules.IsReserved(name, _options))
                {
                    headers.Remove(name);
                    headers.TryAddWithoutValidation(name, Safety.WireText.IsHeaderSafe(value) ? value : Safety.WireText.EncodeHeaderValue(value));
                }
            }
        }

        return request;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<WebhookAttemptResult> ToResultAsync(HttpResponseMessage response, ResponseCapture? capture, bool successExcerpt, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var success = status is >= 200 and < 300;
        string? excerpt = null;
        if (capture is not null && success)
        {
            capture.Body = await ReadExcerptAsync(response.Content, Math.Max(ResponseCapture.Limit, _options.Safety.ResponseExcerptBytes), cancellationToken).ConfigureAwait(false);
            excerpt = capture.Body is null || _options.Safety.ResponseExcerptBytes <= 0 || !successExcerpt ? null : Formatting.TextLimits.TruncateUtf8(capture.Body, _options.Safety.ResponseExcerptBytes, string.Empty);
        }
        else if (!success || successExcerpt)
        {
            // A success's body is not read unless asked (the connection drains it when the response is disposed).
            excerpt = await ReadExcerptAsync(response.Content, _options.Safety.ResponseExcerptBytes, cancellationToken).ConfigureAwait(false);
        }

        TimeSpan? retryAfter = null;
        if (!success && response.Headers.RetryAfter is { } ra)
        {
            retryAfter = ra.Delta ?? (ra.Date is { } date ? date - _time.GetUtcNow() : null);
        }

        return new WebhookAttemptResult
        {
            Success = success,
            StatusCode = status,
            ResponseExcerpt = excerpt,
            RetryAfter = retryAfter,
            Gone = status == 410,
            Error = success ? null : status is >= 300 and < 400
                ? $"HTTP {status}: redirects are not followed."
                : $"HTTP {status} {response.ReasonPhrase}".TrimEnd(),
        };
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes of the body (never the whole of a large body).</summary>
    internal static async Task<string?> ReadExcerptAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        if (limit <= 0)
        {
            return null;
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = ArrayPool<byte>.Shared.Rent(limit);
            try
            {
                var read = 0;
                while (read < limit)
                {
                    var n = await stream.ReadAsync(buffer.AsMemory(read, limit - read), cancellationToken).ConfigureAwait(false);
                    if (n == 0)
                    {
                        break;
                    }

                    read += n;
                }

                if (read == 0)
                {
                    return null;
                }

                // Do not cut a UTF-8 sequence in half at the limit.
                var end = read;
                if (read == limit)
                {
                    var back = 0;
                    while (back < 3 && end - back - 1 >= 0 && (buffer[end - back - 1] & 0xC0) == 0x80)
                    {
                        back++;
                    }

                    if (end - back - 1 >= 0 && buffer[end - back - 1] >= 0xC0)
                    {
                        end -= back + 1;
                    }
                }

                return Encoding.UTF8.GetString(buffer, 0, end);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>What one attempt sends, passed through the resilience pipeline as one value.</summary>
    private readonly record struct Attempt(DestinationRuntime Destination, CachedEvent Cached, WebhookPayload Payload, Uri Url, int AttemptNumber, ResponseCapture? Capture, string? DeliveryId, bool SuccessExcerpt);

    /// <summary>Times an attempt with the time provider's timestamps (no allocation; a fake clock moves it).</summary>
    private readonly struct AttemptClock(TimeProvider time)
    {
        private readonly long _start = time.GetTimestamp();

        public TimeSpan Elapsed() => time.GetElapsedTime(_start);
    }

    /// <summary>Gets a value indicating whether a result is a throttle signal: HTTP 429, 502 or 504.</summary>
    internal static bool IsThrottle(WebhookAttemptResult result) => !result.Success && result.StatusCode is 429 or 502 or 504;

    private static string Describe(HttpRequestException ex)
    {
        var message = ex.Message;
        if (ex.InnerException is { } inner && !message.Contains(inner.Message, StringComparison.Ordinal))
        {
            message += " " + inner.Message;
        }

        return message;
    }

    // The breaker lives in the destination's state, so it is rebuilt when the destination changes and forgotten with it.
    private ResiliencePipeline<WebhookAttemptResult> GetPipeline(DestinationRuntime destination)
        => destination.State is { } state ? state.Pipeline(_buildBreakerPipeline) : BuildPipeline(destination, withBreaker: true);

    /// <summary>
    /// The client of the library's default name, reused for <see cref="DefaultClientReuse"/>: a client per attempt
    /// costs an <see cref="HttpClient"/> and its cancellation source each time, while the factory's handler (and its
    /// connection pool) is the same one anyway.
    /// </summary>
    private HttpClient DefaultHttpClient()
    {
        var current = Volatile.Read(ref _defaultClient);
        if (current is not null && _time.GetElapsedTime(current.CreatedAt) < DefaultClientReuse)
        {
            return current.Client;
        }

        var fresh = new DefaultClient(_httpClientFactory.CreateClient(HttpClientName), _time.GetTimestamp());
        Volatile.Write(ref _defaultClient, fresh);
        return fresh.Client;
    }

    private sealed record DefaultClient(HttpClient Client, long CreatedAt);

    private ValueTask Transition(string destinationId, string state)
    {
        _metrics.RecordBreaker(destinationId, state);
        return ValueTask.CompletedTask;
    }

    private ResiliencePipeline<WebhookAttemptResult> BuildPipeline(DestinationRuntime destination, bool withBreaker)
    {
        var health = _options.Health;
        var builder = new ResiliencePipelineBuilder<WebhookAttemptResult> { TimeProvider = _time };
        if (withBreaker)
        {
            var stateProvider = new CircuitBreakerStateProvider();
            if (destination.State is { } destinationState)
            {
                destinationState.BreakerState = stateProvider;
            }

            builder.AddCircuitBreaker(new Polly.CircuitBreaker.CircuitBreakerStrategyOptions<WebhookAttemptResult>
            {
                StateProvider = stateProvider,
                FailureRatio = health.BreakerFailureRatio,
                MinimumThroughput = health.BreakerMinimumThroughput,
                SamplingDuration = health.BreakerSamplingDuration,
                BreakDuration = health.BreakerBreakDuration,
                // Throttle signals (429, 502, 504) are the destination asking to slow down, not failing: they never open
                // the breaker, and a half-open probe that meets one closes it instead of re-opening it for a full break.
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Exception is TimeoutRejectedException
                    || (args.Outcome.Result is { Success: false } r && !IsThrottle(r) && (r.StatusCode is null or >= 500 or 408))),
                OnOpened = _ => Transition(destination.Id, "open"),
                OnHalfOpened = _ => Transition(destination.Id, "half_open"),
                OnClosed = _ => Transition(destination.Id, "closed"),
            });
        }

        builder.AddTimeout(TimeSpan.FromMilliseconds(destination.Config.AttemptTimeoutMs));
        return builder.Build();
    }
}

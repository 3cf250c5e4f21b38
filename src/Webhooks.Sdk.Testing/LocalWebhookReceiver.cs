using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Webhooks.Sdk.Testing;

/// <summary>
/// A real HTTP receiver for tests and samples: Kestrel on 127.0.0.1 with an ephemeral port. It records every request
/// and answers from a script (status sequence, delay, Retry-After, aborted connection), per path or for all paths.
/// </summary>
public sealed class LocalWebhookReceiver : IAsyncDisposable
{
    private const string AnyPath = "*";
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<ReceiverResponse>> _scripts = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _arrived = new(0, int.MaxValue);
    private readonly TimeProvider _time;
    private int _connections;

    private LocalWebhookReceiver(WebApplication app, Uri baseUrl, TimeProvider time)
    {
        _app = app;
        BaseUrl = baseUrl;
        _time = time;
    }

    /// <summary>Gets the base URL, for example <c>http://127.0.0.1:54321/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>Gets every request received so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Requests => _requests.ToArray();

    /// <summary>Gets how many TCP connections were accepted.</summary>
    public int ConnectionCount => Volatile.Read(ref _connections);

    /// <summary>Gets or sets the answer when no script applies.</summary>
    public ReceiverResponse DefaultResponse { get; set; } = ReceiverResponse.Ok();

    /// <summary>Gets or sets a responder consulted before the scripts; return <see langword="null"/> to fall through.</summary>
    public Func<ReceivedRequest, ReceiverResponse?>? Responder { get; set; }

    /// <summary>Starts a receiver.</summary>
    /// <param name="options">Options (https, client certificates).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The started receiver.</returns>
    public static async Task<LocalWebhookReceiver> StartAsync(LocalWebhookReceiverOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalWebhookReceiverOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port, "options.Port");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, 65535, "options.Port");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();

        // The receiver is a guest in its host process: it must not take over SIGTERM / Ctrl+C (the default console
        // lifetime would swallow the signal to stop only the receiver, and the process would not end).
        builder.Services.AddSingleton<IHostLifetime, GuestLifetime>();
        LocalWebhookReceiver? receiver = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.Listen(options.Address, options.Port, listen =>
            {
                listen.Use(next => async context =>
                {
                    Interlocked.Increment(ref receiver!._connections);
                    await next(context).ConfigureAwait(false);
                });
                if (options.ServerCertificate is { } certificate)
                {
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = certificate,
                        ClientCertificateMode = options.ClientCertificateMode,
                        ClientCertificateValidation = (_, _, _) => true,
                    });
                }
            });
        });
        var app = builder.Build();
        app.Run(context => receiver!.HandleAsync(context));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal)).Port;
        var host = options.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{options.Address}]" : options.Address.ToString();
        var scheme = options.ServerCertificate is null ? "http" : "https";
        receiver = new LocalWebhookReceiver(app, new Uri($"{scheme}://{host}:{port}/"), options.TimeProvider);
        return receiver;
    }

    /// <summary>Gets an absolute URL on this receiver.</summary>
    /// <param name="path">The path, for example <c>/hook</c>.</param>
    /// <returns>The URL.</returns>
    public Uri Url(string path = "/hook") => new(BaseUrl, path.TrimStart('/'));

    /// <summary>Queues answers for the next requests to any path, in order; afterwards <see cref="DefaultResponse"/> applies.</summary>
    /// <param name="responses">The answers.</param>
    public void Enqueue(params ReceiverResponse[] responses) => Enqueue(AnyPath, responses);

    /// <summary>Queues answers for the next requests to one path, in order.</summary>
    /// <param name="path">The path, for example <c>/hook</c>.</param>
    /// <param name="responses">The answers.</param>
    public void Enqueue(string path, params ReceiverResponse[] responses)
    {
        ArgumentNullException.ThrowIfNull(responses);
        var queue = _scripts.GetOrAdd(path, _ => new ConcurrentQueue<ReceiverResponse>());
        foreach (var response in responses)
        {
            queue.Enqueue(response);
        }
    }

    /// <summary>Gets the requests received on one path.</summary>
    /// <param name="path">The path.</param>
    /// <returns>The requests.</returns>
    public IReadOnlyList<ReceivedRequest> RequestsTo(string path) => _requests.Where(r => r.Path == path).ToArray();

    /// <summary>Waits until at least <paramref name="count"/> requests have arrived in all.</summary>
    /// <param name="count">The number of requests.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>The requests.</returns>
    /// <exception cref="TimeoutException">Fewer arrived in time.</exception>
    public async Task<IReadOnlyList<ReceivedRequest>> WaitForRequestsAsync(int count, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            while (_requests.Count < count)
            {
                await _arrived.WaitAsync(cts.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Expected {count} request(s), received {_requests.Count}.");
        }

        return Requests;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _arrived.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted).ConfigureAwait(false);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var request = new ReceivedRequest
        {
            Method = context.Request.Method,
            Path = context.Request.Path.Value ?? "/",
            QueryString = context.Request.QueryString.Value ?? string.Empty,
            Headers = headers,
            Body = body.ToArray(),
            ReceivedAt = _time.GetUtcNow(),
            ClientCertificate = context.Connection.ClientCertificate,
        };

        var response = Responder?.Invoke(request) ?? Next(request.Path);
        _requests.Enqueue(request);
        _arrived.Release();

        if (response.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(response.Delay, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (response.Abort)
        {
            context.Abort();
            return;
        }

        context.Response.StatusCode = response.StatusCode;
        if (response.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        foreach (var (name, value) in response.Headers)
        {
            context.Response.Headers[name] = value;
        }

        if (response.Body is { } text)
        {
            context.Response.ContentType = response.ContentType;
            await context.Response.WriteAsync(text, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private ReceiverResponse Next(string path)
    {
        if (_scripts.TryGetValue(path, out var queue) && queue.TryDequeue(out var scripted))
        {
            return scripted;
        }

        return _scripts.TryGetValue(AnyPath, out var any) && any.TryDequeue(out var anyScripted) ? anyScripted : DefaultResponse;
    }
}

/// <summary>Options of a <see cref="LocalWebhookReceiver"/>.</summary>
public sealed class LocalWebhookReceiverOptions
{
    /// <summary>Gets or sets the address to listen on.</summary>
    /// <value>The default value is 127.0.0.1.</value>
    public IPAddress Address { get; set; } = IPAddress.Loopback;

    /// <summary>Gets or sets a server certificate; when set the receiver speaks https.</summary>
    public X509Certificate2? ServerCertificate { get; set; }

    /// <summary>Gets or sets whether a client certificate is required (https only).</summary>
    /// <value>The default value is <see cref="ClientCertificateMode.NoCertificate"/>.</value>
    public ClientCertificateMode ClientCertificateMode { get; set; } = ClientCertificateMode.NoCertificate;

    /// <summary>Gets or sets the clock that stamps <see cref="ReceivedRequest.ReceivedAt"/>.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets the port, 1 to 65535 for a fixed one (for example to match a URL in a sample's settings); 0 picks a free port.</summary>
    /// <value>The default value is 0 (a free port chosen by the system).</value>
    public int Port { get; set; }

    /// <summary>Gets or sets the largest request body accepted.</summary>
    /// <value>The default value is 32 MB.</value>
    public long MaxRequestBodyBytes { get; set; } = 32 * 1024 * 1024;
}

/// <summary>A request the receiver got.</summary>
public sealed record ReceivedRequest
{
    /// <summary>Gets the method.</summary>
    public required string Method { get; init; }

    /// <summary>Gets the path.</summary>
    public required string Path { get; init; }

    /// <summary>Gets the query string, with its leading <c>?</c>.</summary>
    public required string QueryString { get; init; }

    /// <summary>Gets the headers (case-insensitive names, multiple values joined by commas).</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    /// <summary>Gets the body bytes.</summary>
    public required byte[] Body { get; init; }

    /// <summary>Gets the body as UTF-8 text.</summary>
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);

    /// <summary>Gets when it arrived (by the receiver's <see cref="LocalWebhookReceiverOptions.TimeProvider"/>).</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Gets the client certificate presented, if any.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Gets a header value, or <see langword="null"/>.</summary>
    /// <param name="name">The header name.</param>
    /// <returns>The value.</returns>
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}

/// <summary>A scripted answer.</summary>
public sealed record ReceiverResponse
{
    /// <summary>Gets the status code.</summary>
    public int StatusCode { get; init; } = 200;

    /// <summary>Gets the body text.</summary>
    public string? Body { get; init; }

    /// <summary>Gets the body content type.</summary>
    public string ContentType { get; init; } = "text/plain; charset=utf-8";

    /// <summary>Gets a delay before answering.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Gets a <c>Retry-After</c> value (seconds or an HTTP-date).</summary>
    public string? RetryAfter { get; init; }

    /// <summary>Gets a value indicating whether to abort the connection instead of answering.</summary>
    public bool Abort { get; init; }

    /// <summary>Gets extra response headers.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>A 200 answer.</summary>
    /// <param name="body">The body.</param>
    /// <returns>The answer.</returns>
    public static ReceiverResponse Ok(string? body = "ok") => new() { StatusCode = 200, Body = body };

    /// <summary>An answer with a status code.</summary>
    /// <param name="statusCode">The status.</param>
    /// <param name="body">The body.</param>
    /// <returns>The answer.</returns>
    public static ReceiverResponse Status(int statusCode, string? body = null) => new() { StatusCode = statusCode, Body = body };

    /// <summary>A JSON answer.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="statusCode">The status.</param>
    /// <returns>The answer.</returns>
    public static ReceiverResponse Json(string json, int statusCode = 200) => new() { StatusCode = statusCode, Body = json, ContentType = "application/json" };

    /// <summary>An aborted connection (no HTTP answer).</summary>
    /// <returns>The answer.</returns>
    public static ReceiverResponse AbortConnection() => new() { Abort = true };
}

/// <summary>A host lifetime that leaves process signals to the hosting application.</summary>
internal sealed class GuestLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Webhooks.Sdk.Benchmarks.Throughput;

/// <summary>
/// A Kestrel receiver on 127.0.0.1 that reads each body, answers 200 "ok" and only counts requests (the recording
/// <c>LocalWebhookReceiver</c> keeps a copy of every request, which is work the sender should not be charged for).
/// </summary>
internal sealed class LeanReceiver : IAsyncDisposable
{
    private static readonly byte[] Ok = "ok"u8.ToArray();
    private readonly WebApplication _app;
    private readonly string? _stampPrefix;
    private readonly Lock _stampLock = new();
    private long _requests;
    private long _bytes;
    private long _connections;

    private LeanReceiver(WebApplication app, string? stampPrefix)
    {
        _app = app;
        _stampPrefix = stampPrefix;
    }

    public Uri Url { get; private set; } = null!;

    public long Requests => Interlocked.Read(ref _requests);

    public long Bytes => Interlocked.Read(ref _bytes);

    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>Starts the receiver on a free loopback port.</summary>
    /// <param name="stampPrefix">
    /// When set, every request whose <c>webhook-id</c> starts with it is written to standard output as
    /// <c>s ID TIMESTAMP</c> (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> when its headers arrived).
    /// </param>
    public static async Task<LeanReceiver> StartAsync(string? stampPrefix = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        LeanReceiver? receiver = null;
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.Use(next => context =>
        {
            Interlocked.Increment(ref receiver!._connections);
            return next(context);
        })));
        var app = builder.Build();
        receiver = new LeanReceiver(app, stampPrefix);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(new Uri(address), "hook");
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var arrived = System.Diagnostics.Stopwatch.GetTimestamp();
        if (HttpMethods.IsGet(context.Request.Method) && context.Request.Path == "/stats")
        {
            await context.Response.WriteAsync(FormattableString.Invariant($"{Requests} {Connections} {Bytes}"), context.RequestAborted);
            return;
        }

        if (_stampPrefix is not null && context.Request.Headers.TryGetValue("webhook-id", out var id) && id.ToString().StartsWith(_stampPrefix, StringComparison.Ordinal))
        {
            var line = FormattableString.Invariant($"s {id} {arrived}");
            lock (_stampLock)
            {
                Console.Out.WriteLine(line);
                Console.Out.Flush();
            }
        }

        var reader = context.Request.BodyReader;
        long length = 0;
        while (true)
        {
            var read = await reader.ReadAsync(context.RequestAborted);
            length += read.Buffer.Length;
            reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                break;
            }
        }

        Interlocked.Add(ref _bytes, length);
        Interlocked.Increment(ref _requests);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain";
        context.Response.ContentLength = Ok.Length;
        await context.Response.Body.WriteAsync(Ok, context.RequestAborted);
    }
}

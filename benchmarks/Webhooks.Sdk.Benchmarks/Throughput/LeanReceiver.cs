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
internal sealed class LeanReceiver : IBenchmarkReceiver
{
    private readonly WebApplication _app;
    private long _requests;
    private long _bytes;
    private long _connections;

    private LeanReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public long Requests => Interlocked.Read(ref _requests);

    public long Bytes => Interlocked.Read(ref _bytes);

    public long Connections => Interlocked.Read(ref _connections);

    public static async Task<LeanReceiver> StartAsync()
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
        receiver = new LeanReceiver(app);
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

    private static readonly byte[] Ok = "ok"u8.ToArray();

    private async Task HandleAsync(HttpContext context)
    {
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

/// <summary>The receiver both sides of the throughput run send to.</summary>
internal interface IBenchmarkReceiver : IAsyncDisposable
{
    Uri Url { get; }

    long Requests { get; }

    /// <summary>Gets how many TCP connections were accepted so far.</summary>
    long Connections { get; }
}

/// <summary>The test kit's recording receiver, for comparison (<c>--receiver recording</c>).</summary>
internal sealed class RecordingReceiver(Webhooks.Sdk.Testing.LocalWebhookReceiver inner) : IBenchmarkReceiver
{
    public Uri Url { get; } = inner.Url("/hook");

    public long Requests => inner.Requests.Count;

    public long Connections => inner.ConnectionCount;

    public static async Task<RecordingReceiver> StartAsync() => new(await Webhooks.Sdk.Testing.LocalWebhookReceiver.StartAsync());

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

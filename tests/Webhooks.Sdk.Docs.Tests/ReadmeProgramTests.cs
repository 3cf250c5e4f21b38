using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using FluentAssertions;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;
using Webhooks.Sdk.Testing;

namespace Webhooks.Sdk.Docs.Tests;

/// <summary>The README's runnable Program.cs runs as pasted: start it, call its endpoint, a signed delivery arrives.</summary>
[NonParallelizable]
public sealed partial class ReadmeProgramTests
{
    private static IEnumerable<TestCaseData> Runnable()
        => DocSnippets.All().Where(s => s.Kind == SnippetKind.Run).Select(s => new TestCaseData(s).SetArgDisplayNames(s.ToString()));

    [TestCaseSource(nameof(Runnable))]
    public async Task Run_RunnableProgram_PublishesFromItsEndpointToALocalReceiver(DocSnippet snippet)
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var assembly = SnippetCompiler.Load(snippet);
        var receiverUrl = receiver.Url("/webhooks").ToString();

        using var capture = new HostCapture();
        var run = Task.Factory.StartNew(
            () => assembly.EntryPoint!.Invoke(null, [new[] { "--urls", "http://127.0.0.1:0", "--ReceiverUrl", receiverUrl }]),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        var host = await Task.WhenAny(capture.Host, run).Unwrap() switch
        {
            IHost h => h,
            _ => throw new InvalidOperationException("The program ended before building its host."),
        };
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        try
        {
            await WhenStartedAsync(lifetime, run);
            var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var http = new HttpClient();
            using var response = await http.PostAsync(new Uri(new Uri(address), "/orders"), content: null);

            response.StatusCode.Should().Be(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
            var delivered = (await receiver.WaitForRequestsAsync(1, TimeSpan.FromSeconds(20)))[0];
            delivered.Path.Should().Be("/webhooks");
            delivered.Header("webhook-event-type").Should().Be("order.created");
            var secret = WhsecLiteral().Match(snippet.Code).Value;
            new StandardWebhooksVerifier(secret).Verify(delivered.Header, delivered.Body);
        }
        finally
        {
            lifetime.StopApplication();
            await run.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    private static async Task WhenStartedAsync(IHostApplicationLifetime lifetime, Task run)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        var first = await Task.WhenAny(started.Task, run).WaitAsync(TimeSpan.FromSeconds(30));
        if (first == run)
        {
            await run; // surfaces the program's exception
            throw new InvalidOperationException("The program ended before it started.");
        }
    }

    [GeneratedRegex("whsec_[A-Za-z0-9+/=]+")]
    private static partial Regex WhsecLiteral();

    /// <summary>Catches the host a top-level program builds (the hosting diagnostic events, as the test host of ASP.NET Core does).</summary>
    private sealed class HostCapture : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly TaskCompletionSource<object?> _host = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<IDisposable> _subscriptions = [];

        public HostCapture() => _subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));

        public Task<object?> Host => _host.Task;

        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == "Microsoft.Extensions.Hosting")
            {
                lock (_subscriptions)
                {
                    _subscriptions.Add(value.Subscribe(this));
                }
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key == "HostBuilt" && value.Value is IHost host)
            {
                _host.TrySetResult(host);
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void Dispose()
        {
            lock (_subscriptions)
            {
                _subscriptions.ForEach(s => s.Dispose());
            }
        }
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Testing;

namespace Webhooks.Sdk.Tests.Newcomer;

/// <summary>The test kit's receiver: a fixed port when asked, and a guest that leaves SIGTERM to its host process.</summary>
public class LocalWebhookReceiverTests
{
    [Test]
    public async Task StartAsync_FixedPort_ListensOnThatPort()
    {
        var port = FreePort();

        await using var receiver = await LocalWebhookReceiver.StartAsync(new LocalWebhookReceiverOptions { Port = port });
        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri($"http://127.0.0.1:{port}/in"), new StringContent("{}"));

        receiver.BaseUrl.Should().Be(new Uri($"http://127.0.0.1:{port}/"));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        receiver.RequestsTo("/in").Should().ContainSingle();
    }

    [Test]
    public async Task StartAsync_PortOutOfRange_IsRefused()
    {
        var act = () => LocalWebhookReceiver.StartAsync(new LocalWebhookReceiverOptions { Port = 70000 });

        (await act.Should().ThrowAsync<ArgumentOutOfRangeException>()).Which.ParamName.Should().Be("options.Port");
    }

    [Test]
    [Platform(Exclude = "Win")]
    public async Task Process_HostingAReceiver_EndsOnSigterm()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(QuickstartProcess.Dll);
        start.ArgumentList.Add("--serve");
        using var process = Process.Start(start)!;
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            line.Should().StartWith("Listening on http://127.0.0.1:");

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
            {
                await kill.WaitForExitAsync();
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            var act = () => process.WaitForExitAsync(cts.Token);
            await act.Should().NotThrowAsync("the process must end on SIGTERM, not wait for SIGKILL");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

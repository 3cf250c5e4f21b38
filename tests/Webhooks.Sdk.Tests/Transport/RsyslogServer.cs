using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using NUnit.Framework;

namespace Webhooks.Sdk.Tests.Transport;

/// <summary>
/// Debian's rsyslogd started by the test: an imtcp listener on a free loopback port and an omfile action writing what
/// rsyslog parsed (PRI, header fields, structured data, MSG) as one JSON object per line. Ignored with a message where
/// rsyslogd is not installed; a failure when <c>CI=true</c>.
/// </summary>
internal sealed class RsyslogServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private RsyslogServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    private string OutputPath => Path.Combine(_directory, "parsed.json");

    public static async Task<RsyslogServer> StartAsync()
    {
        var executable = new[] { "/usr/sbin/rsyslogd", "/sbin/rsyslogd", "/usr/bin/rsyslogd" }.FirstOrDefault(File.Exists);
        if (executable is null)
        {
            const string message = "rsyslogd is not installed: install Debian's rsyslog (apt-get install -y rsyslog) to run the syslog collector tests.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(message);
            }

            Assert.Ignore(message);
        }

        var directory = Directory.CreateTempSubdirectory("rsyslog-test-").FullName;
        var port = FreePort();
        var output = Path.Combine(directory, "parsed.json");
        var config = $$"""
            global(workDirectory="{{directory}}")
            module(load="imtcp")
            template(name="parsed" type="list" option.jsonf="on") {
              property(outname="pri" name="pri" format="jsonf")
              property(outname="facility" name="syslogfacility" format="jsonf")
              property(outname="severity" name="syslogseverity" format="jsonf")
              property(outname="timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
              property(outname="hostname" name="hostname" format="jsonf")
              property(outname="appname" name="app-name" format="jsonf")
              property(outname="procid" name="procid" format="jsonf")
              property(outname="msgid" name="msgid" format="jsonf")
              property(outname="sd" name="structured-data" format="jsonf")
              property(outname="msg" name="msg" format="jsonf")
            }
            ruleset(name="capture") {
              action(type="omfile" file="{{output}}" template="parsed")
            }
            input(type="imtcp" port="{{port.ToString(CultureInfo.InvariantCulture)}}" address="127.0.0.1" ruleset="capture")
            """;
        var configPath = Path.Combine(directory, "rsyslog.conf");
        await File.WriteAllTextAsync(configPath, config);
        var start = new ProcessStartInfo(executable)
        {
            ArgumentList = { "-n", "-f", configPath, "-i", Path.Combine(directory, "rsyslogd.pid") },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("rsyslogd did not start");
        var server = new RsyslogServer(process, directory, port);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            if (process.HasExited)
            {
                var error = await process.StandardError.ReadToEndAsync();
                throw new InvalidOperationException($"rsyslogd exited with {process.ExitCode}: {error}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return server;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Waits until rsyslog has written <paramref name="count"/> parsed messages and returns them.</summary>
    public async Task<IReadOnlyList<JsonElement>> WaitForMessagesAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            if (File.Exists(OutputPath))
            {
                var lines = (await File.ReadAllLinesAsync(OutputPath)).Where(l => l.Length > 0).ToList();
                if (lines.Count >= count)
                {
                    return lines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"rsyslog wrote fewer than {count} message(s).");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

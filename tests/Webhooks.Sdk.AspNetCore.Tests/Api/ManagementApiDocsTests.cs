using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FluentAssertions;
using NUnit.Framework;

namespace Webhooks.Sdk.AspNetCore.Tests.Api;

/// <summary>
/// Runs every curl block of docs/management-api.md, in order, against the sample web host started as a real process,
/// and checks the status each block says it answers.
/// </summary>
public partial class ManagementApiDocsTests
{
    private const string AdminToken = "docs-admin-token";
    private const string ViewerToken = "docs-viewer-token";

    [Test]
    public async Task EveryCurlBlock_AgainstTheSample_AnswersWhatTheDocsSay()
    {
        var root = RepositoryRoot();
        var blocks = CurlBlocks(await File.ReadAllTextAsync(Path.Combine(root, "docs", "management-api.md")));
        blocks.Should().HaveCountGreaterThan(20);
        var database = Path.Combine(Path.GetTempPath(), $"webhooks-docs-{Guid.NewGuid():N}.db");
        await using var sample = await SampleProcess.StartAsync(root, database);
        using var http = new HttpClient();
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ADMIN_TOKEN"] = AdminToken,
            ["VIEWER_TOKEN"] = ViewerToken,
        };

        try
        {
            foreach (var block in blocks)
            {
                var request = ParseCurl(block.Command, variables, sample.BaseUrl);
                if (request.RequestUri!.AbsolutePath.EndsWith("/redeliver", StringComparison.Ordinal))
                {
                    await WaitUntilFinalAsync(http, sample.BaseUrl, variables["DELIVERY_ID"]);
                }

                using var response = await http.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                ((int)response.StatusCode).Should().Be(block.ExpectedStatus, $"the docs say so for:\n{block.Command}\nIt answered: {body}");
                if (response.Headers.ETag is { } etag)
                {
                    variables["ETAG"] = etag.Tag;
                }

                if (body.StartsWith('{') && JsonNode.Parse(body)?["deliveries"]?[0]?["deliveryId"]?.GetValue<string>() is { } deliveryId)
                {
                    variables.TryAdd("DELIVERY_ID", deliveryId);
                }
            }
        }
        finally
        {
            foreach (var file in new[] { database, database + "-wal", database + "-shm", database + ".key" })
            {
                File.Delete(file);
            }
        }
    }

    [Test]
    public void ParseCurl_QuotesContinuationsAndVariables_BuildsTheRequest()
    {
        var command = "curl -s -X PUT \"http://127.0.0.1:5080/api/x/$ID\" \\\n  -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' \\\n  -d '{\"a\": \"$NOT\",\n \"b\": 1}'";

        var request = ParseCurl(command, new() { ["ID"] = "d1", ["TOKEN"] = "t" }, new Uri("http://127.0.0.1:6000"));

        request.Method.Should().Be(HttpMethod.Put);
        request.RequestUri.Should().Be(new Uri("http://127.0.0.1:6000/api/x/d1"));
        request.Headers.Authorization!.ToString().Should().Be("Bearer t");
        request.Content!.Headers.ContentType!.MediaType.Should().Be("application/json");
        request.Content.ReadAsStringAsync().Result.Should().Be("{\"a\": \"$NOT\",\n \"b\": 1}");
    }

    private static async Task WaitUntilFinalAsync(HttpClient http, Uri baseUrl, string deliveryId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        var last = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, $"/api/webhooks/deliveries/{deliveryId}"));
            request.Headers.Authorization = new("Bearer", ViewerToken);
            using var response = await http.SendAsync(request);
            last = await response.Content.ReadAsStringAsync();
            var status = JsonNode.Parse(last)?["delivery"]?["status"]?.GetValue<string>();
            if (status is "succeeded" or "failed")
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"Delivery {deliveryId} did not finish within 15 s: {last}");
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Webhooks.Sdk.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root (Webhooks.Sdk.sln) was not found above " + AppContext.BaseDirectory);
    }

    internal static List<(string Command, int ExpectedStatus)> CurlBlocks(string markdown)
    {
        var blocks = new List<(string, int)>();
        foreach (Match match in BashBlock().Matches(markdown))
        {
            var text = match.Groups[1].Value;
            if (!text.TrimStart().StartsWith("curl ", StringComparison.Ordinal))
            {
                continue;
            }

            var expected = AnswersComment().Match(text);
            if (!expected.Success)
            {
                throw new InvalidOperationException("A curl block of docs/management-api.md does not say what it answers (# answers NNN):\n" + text);
            }

            blocks.Add((text[..expected.Index].Trim(), int.Parse(expected.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
        }

        return blocks;
    }

    /// <summary>Turns one curl command (the options the docs use: -s, -i, -X, -H, -d) into a request; the sample's port replaces 5080.</summary>
    internal static HttpRequestMessage ParseCurl(string command, Dictionary<string, string> variables, Uri baseUrl)
    {
        // The docs use the README's port; the sample runs on a free one (in URLs and in bodies such as a destination's url).
        var words = ShellWords(command.Replace("127.0.0.1:5080", baseUrl.Authority, StringComparison.Ordinal), variables);
        words[0].Should().Be("curl");
        string? method = null;
        string? url = null;
        string? data = null;
        var headers = new List<(string Name, string Value)>();
        for (var i = 1; i < words.Count; i++)
        {
            switch (words[i])
            {
                case "-s" or "-i" or "-S" or "-si":
                    break;
                case "-X":
                    method = words[++i];
                    break;
                case "-H":
                    var header = words[++i];
                    var colon = header.IndexOf(':', StringComparison.Ordinal);
                    headers.Add((header[..colon].Trim(), header[(colon + 1)..].Trim()));
                    break;
                case "-d" or "--data" or "--data-raw":
                    data = words[++i];
                    break;
                default:
                    if (words[i].StartsWith('-'))
                    {
                        throw new InvalidOperationException($"The docs test does not know the curl option '{words[i]}'.");
                    }

                    url = words[i];
                    break;
            }
        }

        var target = new Uri(url!);
        var request = new HttpRequestMessage(new HttpMethod(method ?? (data is null ? "GET" : "POST")), target);
        if (data is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(data));
            request.Content.Headers.ContentType = new("application/x-www-form-urlencoded");
        }

        foreach (var (name, value) in headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                request.Content!.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(value);
            }
            else
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return request;
    }

    /// <summary>Splits like a POSIX shell: single quotes literal, double quotes and bare words expand $NAME, backslash-newline joins lines.</summary>
    private static List<string> ShellWords(string command, Dictionary<string, string> variables)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < command.Length; i++)
        {
            var c = command[i];
            if (c == '\\' && i + 1 < command.Length && command[i + 1] == '\n')
            {
                i++;
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }

                continue;
            }

            inWord = true;
            if (c == '\'')
            {
                var end = command.IndexOf('\'', i + 1);
                current.Append(command, i + 1, end - i - 1);
                i = end;
            }
            else if (c == '"')
            {
                var end = command.IndexOf('"', i + 1);
                current.Append(Expand(command[(i + 1)..end], variables));
                i = end;
            }
            else if (c == '$')
            {
                var name = VariableName().Match(command, i + 1).Value;
                current.Append(Expand("$" + name, variables));
                i += name.Length;
            }
            else
            {
                current.Append(c);
            }
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    private static string Expand(string text, Dictionary<string, string> variables)
        => Variable().Replace(text, m => variables.TryGetValue(m.Groups[1].Value, out var value)
            ? value
            : throw new InvalidOperationException($"The docs use ${m.Groups[1].Value}, which the test does not know yet."));

    [GeneratedRegex("```bash\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex BashBlock();

    [GeneratedRegex("^# answers (\\d{3})\\s*$", RegexOptions.Multiline)]
    private static partial Regex AnswersComment();

    [GeneratedRegex("\\$([A-Z_][A-Z0-9_]*)")]
    private static partial Regex Variable();

    [GeneratedRegex("\\G[A-Z_][A-Z0-9_]*")]
    private static partial Regex VariableName();

    /// <summary>The sample web host, run from its build output as a real process on a free loopback port.</summary>
    private sealed class SampleProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output;

        private SampleProcess(Process process, StringBuilder output, Uri baseUrl)
        {
            _process = process;
            _output = output;
            BaseUrl = baseUrl;
        }

        public Uri BaseUrl { get; }

        public static async Task<SampleProcess> StartAsync(string root, string database)
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
            var dll = Path.Combine(root, "samples", "Webhooks.Sdk.Samples.WebApp", "bin", configuration, "net10.0", "Webhooks.Sdk.Samples.WebApp.dll");
            File.Exists(dll).Should().BeTrue($"the test project builds the sample ({dll})");
            var port = FreePort();
            var start = new ProcessStartInfo("dotnet")
            {
                ArgumentList = { dll, "--urls", $"http://127.0.0.1:{port}" },
                WorkingDirectory = Path.GetDirectoryName(dll)!,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                Environment =
                {
                    ["ASPNETCORE_ENVIRONMENT"] = "Development",
                    ["Sample__AdminToken"] = AdminToken,
                    ["Sample__ViewerToken"] = ViewerToken,
                    ["Sample__Database"] = database,
                    ["Webhooks__Retry__BaseDelay"] = "00:10:00",
                },
            };
            var output = new StringBuilder();
            var process = Process.Start(start)!;
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            process.OutputDataReceived += (_, e) =>
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }

                if (e.Data?.Contains("Application started", StringComparison.Ordinal) == true)
                {
                    started.TrySetResult();
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var sample = new SampleProcess(process, output, new Uri($"http://127.0.0.1:{port}"));
            if (await Task.WhenAny(started.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60))) != started.Task)
            {
                await sample.DisposeAsync();
                Assert.Fail("The sample did not start:\n" + sample.Output);
            }

            return sample;
        }

        private string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}

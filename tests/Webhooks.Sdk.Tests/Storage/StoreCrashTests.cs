using System.Diagnostics;
using System.Globalization;
using FluentAssertions;
using Microsoft.Data.Sqlite;
using Npgsql;
using NUnit.Framework;
using Webhooks.Sdk.Testing;

namespace Webhooks.Sdk.Tests.Storage;

/// <summary>
/// A child process publishes 5,000 events to a slow receiver and is killed with SIGKILL at random moments, then
/// restarted. Every event must reach the receiver at least once; duplicates are bounded by the deliveries that were
/// deliveries in flight (leased) at the kills.
/// </summary>
[NonParallelizable]
public class StoreCrashTests
{
    private const int EventCount = 5000;
    private const int Kills = 5;

    [Test]
    [CancelAfter(240_000)]
    public async Task Sqlite_ChildKilledRepeatedly_EveryEventDeliveredAndDuplicatesBounded()
    {
        var file = new TempDatabase();
        var path = file.NewPath();
        try
        {
            await RunAsync(
                "sqlite:" + path,
                () =>
                {
                    using var c = new SqliteConnection("Data Source=" + path + ";Pooling=False");
                    c.Open();
                    using var cmd = c.CreateCommand();
                    cmd.CommandText = "SELECT id, lease_token FROM webhooks_deliveries WHERE status = 0 AND lease_token IS NOT NULL";
                    using var r = cmd.ExecuteReader();
                    var leases = new List<string>();
                    while (r.Read())
                    {
                        leases.Add(r.GetString(0) + "/" + r.GetString(1));
                    }

                    return Task.FromResult<IReadOnlyList<string>>(leases);
                });
        }
        finally
        {
            file.DeleteAll();
        }
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task PostgreSql_ChildKilledRepeatedly_EveryEventDeliveredAndDuplicatesBounded()
    {
        var connectionString = PostgresTestServer.ConnectionString;
        var schema = PostgresTestServer.NewSchema();
        try
        {
            await RunAsync(
                "postgres:" + schema + ":" + connectionString,
                async () =>
                {
                    await using var dataSource = NpgsqlDataSource.Create(connectionString);
                    await using var cmd = dataSource.CreateCommand($"SELECT id, lease_token FROM \"{schema}\".deliveries WHERE status = 0 AND lease_token IS NOT NULL");
                    NpgsqlDataReader r;
                    try
                    {
                        r = await cmd.ExecuteReaderAsync();
                    }
                    catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
                    {
                        // Killed (on a loaded machine) before it created its tables: it held no lease.
                        return [];
                    }

                    await using var reader = r;
                    var leases = new List<string>();
                    while (await r.ReadAsync())
                    {
                        leases.Add(r.GetString(0) + "/" + r.GetString(1));
                    }

                    return leases;
                });
        }
        finally
        {
            await PostgresTestServer.DropSchemaAsync(schema);
        }
    }

    /// <summary>
    /// The receiver got the request and answered 200, and the process dies before the batched completion is written:
    /// the delivery is still leased in the store, and once the lease has expired it is sent again (a duplicate), never lost.
    /// The delivery was handed off at enqueue (written leased to the child, never leased from the queue): the lease
    /// written at enqueue covers the crash like any other.
    /// </summary>
    [Test]
    [CancelAfter(90_000)]
    public async Task Sqlite_KilledBetweenSendAndBatchedCompletion_DeliveryIsSentAgainNotLost()
    {
        var file = new TempDatabase();
        var path = file.NewPath();
        try
        {
            await using var receiver = await LocalWebhookReceiver.StartAsync();
            var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
            using (var dying = StartChild("sqlite:" + path, receiver.Url("/crash").ToString(), key, errors, eventCount: 1, mode: "die-before-completion", output: output))
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await dying.WaitForExitAsync(timeout.Token);
            }

            receiver.Requests.Should().ContainSingle("the request was sent and answered before the process died: {0}", string.Join('\n', errors));
            output.Should().Contain("dying before completion; leased from the queue before: 0", "the delivery was published after the dispatcher started: handed off at enqueue, not leased from the queue");
            ReadDeliveries(path).Should().Equal([(0, true)], "the outcome was not written: the delivery is still pending and leased");

            using (var later = StartChild("sqlite:" + path, receiver.Url("/crash").ToString(), key, errors, eventCount: 1, mode: "later"))
            {
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (ReadDeliveries(path).Single().Status == 0 && DateTime.UtcNow < deadline && !later.HasExited)
                {
                    await Task.Delay(100);
                }

                later.Kill(entireProcessTree: true);
                await later.WaitForExitAsync();
            }

            receiver.Requests.Select(r => r.Header("webhook-id")).Should().Equal(["evt-00000", "evt-00000"], "sent again once the lease expired: a duplicate, not a loss");
            ReadDeliveries(path).Should().Equal([((int)WebhookDeliveryStatus.Succeeded, false)]);
        }
        finally
        {
            file.DeleteAll();
        }
    }

    private static List<(int Status, bool Leased)> ReadDeliveries(string path)
    {
        using var c = new SqliteConnection("Data Source=" + path + ";Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT status, lease_token IS NOT NULL FROM webhooks_deliveries";
        using var r = cmd.ExecuteReader();
        var rows = new List<(int, bool)>();
        while (r.Read())
        {
            rows.Add((r.GetInt32(0), r.GetBoolean(1)));
        }

        return rows;
    }

    private static async Task RunAsync(string store, Func<Task<IReadOnlyList<string>>> listLeases)
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.DefaultResponse = ReceiverResponse.Ok() with { Delay = TimeSpan.FromMilliseconds(60) };
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var inFlightAtKills = 0;
        var killLog = new List<string>();
        var countedLeases = new HashSet<string>();
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();

        for (var kill = 0; kill < Kills; kill++)
        {
            using var child = StartChild(store, receiver.Url("/crash").ToString(), key, errors);
            var wait = TimeSpan.FromMilliseconds(random.Next(2000, 6000));
            await Task.Delay(wait);
            child.HasExited.Should().BeFalse("the child must still be running when it is killed: {0}", string.Join('\n', errors));
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync();
            // Leases held by the killed process (a lease of an earlier kill that was not taken over yet is counted once).
            var leased = (await listLeases()).Count(countedLeases.Add);
            inFlightAtKills += leased;
            killLog.Add($"kill {kill + 1} after {wait.TotalSeconds:F1}s: {receiver.Requests.Count} requests received, {leased} leased");
        }

        using (var last = StartChild(store, receiver.Url("/crash").ToString(), key, errors))
        {
            // Deliveries leased by a killed process are due again when their lease (35 s, the minimum) expires.
            var deadline = DateTime.UtcNow.AddSeconds(150);
            while (DistinctIds(receiver) < EventCount && DateTime.UtcNow < deadline && !last.HasExited)
            {
                await Task.Delay(200);
            }

            await Task.Delay(500);
            last.Kill(entireProcessTree: true);
            await last.WaitForExitAsync();
        }

        var requests = receiver.Requests;
        var distinct = DistinctIds(receiver);
        var lost = Enumerable.Range(0, EventCount).Select(i => "evt-" + i.ToString("D5", CultureInfo.InvariantCulture)).Except(requests.Select(r => r.Header("webhook-id")!)).Count();
        var duplicates = requests.Count - distinct;
        var summary = $"{store.Split(':')[0]} crash test (seed {seed}): {EventCount} events, {Kills} SIGKILLs, lost {lost}, duplicates {duplicates}, deliveries in flight (leased) at the kills {inFlightAtKills}, requests {requests.Count}";
        TestContext.Out.WriteLine(string.Join(Environment.NewLine, killLog));
        TestContext.Out.WriteLine(summary);

        lost.Should().Be(0, summary);
        duplicates.Should().BeLessThanOrEqualTo(inFlightAtKills, summary);
    }

    private static int DistinctIds(LocalWebhookReceiver receiver) => receiver.Requests.Select(r => r.Header("webhook-id")).Distinct().Count();

    private static Process StartChild(string store, string url, string key, System.Collections.Concurrent.ConcurrentQueue<string> errors, int eventCount = EventCount, string mode = "", System.Collections.Concurrent.ConcurrentQueue<string>? output = null)
    {
        var testDir = Path.GetDirectoryName(typeof(StoreCrashTests).Assembly.Location)!;
        var tfm = Path.GetFileName(testDir);
        var configuration = Path.GetFileName(Path.GetDirectoryName(testDir)!);
        var childDll = Path.GetFullPath(Path.Combine(testDir, "..", "..", "..", "..", "Webhooks.Sdk.Tests.CrashChild", "bin", configuration, tfm, "Webhooks.Sdk.Tests.CrashChild.dll"));
        File.Exists(childDll).Should().BeTrue("the crash child is built with the tests ({0})", childDll);
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { childDll, store, url, eventCount.ToString(CultureInfo.InvariantCulture), key, mode })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null && output is { Count: < 200 })
            {
                output.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null && errors.Count < 200)
            {
                errors.Enqueue(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}

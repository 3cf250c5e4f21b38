using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Webhooks.Sdk.Testing;

/// <summary>
/// A DNS resolver for tests: answers per host name as scripted, can change its answer between calls (to simulate DNS
/// rebinding) and counts the calls. A name without a script fails as an unknown name does. Register it in place of the
/// library's resolver: <c>services.AddSingleton&lt;IWebhookDnsResolver&gt;(resolver)</c>.
/// </summary>
public sealed class ScriptedDnsResolver : IWebhookDnsResolver
{
    private readonly ConcurrentDictionary<string, Script> _scripts = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.OrdinalIgnoreCase);
    private int _totalCalls;

    /// <summary>Gets the number of calls to <see cref="ResolveAsync"/> for any name.</summary>
    public int TotalCalls => Volatile.Read(ref _totalCalls);

    /// <summary>Answers every later call for <paramref name="host"/> with the given addresses (replacing any earlier script).</summary>
    /// <param name="host">The host name.</param>
    /// <param name="addresses">The addresses, for example <c>93.184.216.34</c>; none scripts an empty answer.</param>
    /// <returns>This resolver.</returns>
    public ScriptedDnsResolver Answer(string host, params string[] addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        return AnswerInTurn(host, [addresses]);
    }

    /// <summary>
    /// Answers the calls for <paramref name="host"/> in turn: the first call gets the first answer, the second call the
    /// second, and every call after the last answer gets the last one again.
    /// </summary>
    /// <param name="host">The host name.</param>
    /// <param name="answers">One set of addresses per call.</param>
    /// <returns>This resolver.</returns>
    public ScriptedDnsResolver AnswerInTurn(string host, params string[][] answers)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentNullException.ThrowIfNull(answers);
        if (answers.Length == 0)
        {
            throw new ArgumentException("At least one answer is needed.", nameof(answers));
        }

        var parsed = answers.Select(a => (a ?? []).Select(IPAddress.Parse).ToArray()).ToArray();
        _scripts[Key(host)] = new Script(parsed, fails: false);
        return this;
    }

    /// <summary>Makes every later call for <paramref name="host"/> fail as an unknown name does.</summary>
    /// <param name="host">The host name.</param>
    /// <returns>This resolver.</returns>
    public ScriptedDnsResolver Fail(string host)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        _scripts[Key(host)] = new Script([], fails: true);
        return this;
    }

    /// <summary>Gets the number of calls for one host name.</summary>
    /// <param name="host">The host name.</param>
    /// <returns>The count.</returns>
    public int CallsFor(string host) => _calls.TryGetValue(Key(host), out var n) ? n : 0;

    /// <inheritdoc />
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _totalCalls);
        var key = Key(host);
        _calls.AddOrUpdate(key, 1, static (_, n) => n + 1);
        if (!_scripts.TryGetValue(key, out var script) || script.Fails)
        {
            return Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));
        }

        var call = Interlocked.Increment(ref script.Calls);
        var answer = script.Answers[Math.Min(call, script.Answers.Length) - 1];
        return Task.FromResult(answer.ToArray());
    }

    private static string Key(string host) => host.TrimEnd('.');

    /// <summary>One host's script; its call counter starts again when the script is replaced.</summary>
    private sealed class Script(IPAddress[][] answers, bool fails)
    {
#pragma warning disable SA1401, CA1051 // Counted with Interlocked.
        public int Calls;
#pragma warning restore SA1401, CA1051

        public IPAddress[][] Answers { get; } = answers;

        public bool Fails { get; } = fails;
    }
}

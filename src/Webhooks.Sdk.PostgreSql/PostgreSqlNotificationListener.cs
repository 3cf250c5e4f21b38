using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Webhooks.Sdk.PostgreSql;

/// <summary>
/// Holds one connection that LISTENs on the store's channel and wakes this instance's dispatcher when any instance
/// enqueues. When the connection drops (a server restart) it reconnects with exponential backoff and wakes the
/// dispatcher once, in case it missed something.
/// </summary>
internal sealed class PostgreSqlNotificationListener : BackgroundService
{
    private const int PingInterval = 30_000;

    private readonly PostgreSqlWebhookStore _store;
    private readonly IWebhookDispatchSignal _signal;
    private readonly TimeProvider _time;
    private readonly PostgreSqlWebhookStoreOptions _options;
    private readonly ILogger _logger;

    public PostgreSqlNotificationListener(PostgreSqlWebhookStore store, IWebhookDispatchSignal signal, TimeProvider time, IOptions<PostgreSqlWebhookStoreOptions> options, ILogger<PostgreSqlNotificationListener> logger)
    {
        _store = store;
        _signal = signal;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Listen)
        {
            return;
        }

        var delay = _options.ListenReconnectDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _store.InitializeAsync(stoppingToken).ConfigureAwait(false);
                var connection = await _store.DataSource.OpenConnectionAsync(stoppingToken).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    connection.Notification += (_, _) => _signal.Notify();
#pragma warning disable CA2100 // The channel is the checked schema name plus a constant suffix.
                    await using (var listen = new NpgsqlCommand("LISTEN \"" + _store.Channel + "\";", connection))
#pragma warning restore CA2100
                    {
                        await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                    }

                    Log.Listening(_logger, _store.Channel);
                    delay = _options.ListenReconnectDelay;
                    _signal.Notify();
                    while (true)
                    {
                        // A quiet connection is pinged now and then, so a half-open TCP connection is noticed too.
                        if (!await connection.WaitAsync(PingInterval, stoppingToken).ConfigureAwait(false))
                        {
                            await using var ping = new NpgsqlCommand("SELECT 1;", connection);
                            await ping.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The listener outlives server restarts: log, back off, reconnect.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.ListenerFailed(_logger, ex, (long)delay.TotalMilliseconds);
                _store.DataSource.Clear();
                try
                {
                    await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ListenReconnectMaxDelay.Ticks));
            }
        }
    }
}

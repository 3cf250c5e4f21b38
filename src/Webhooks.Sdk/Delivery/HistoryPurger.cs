using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Delivery;

/// <summary>Purges final deliveries older than the retention period, in small batches, in the background.</summary>
internal sealed class HistoryPurger : BackgroundService
{
    private readonly IWebhookStore _store;
    private readonly TimeProvider _time;
    private readonly WebhookRetentionOptions _options;
    private readonly ILogger _logger;

    public HistoryPurger(IWebhookStore store, TimeProvider time, IOptions<WebhooksOptions> options, ILogger<HistoryPurger> logger)
    {
        _store = store;
        _time = time;
        _options = options.Value.Retention;
        _logger = logger;
    }

    public async Task<int> PurgeOnceAsync(CancellationToken cancellationToken)
    {
        var cutoff = _time.GetUtcNow() - _options.HistoryRetention;
        var total = 0;
        while (true)
        {
            var n = await _store.PurgeHistoryAsync(cutoff, _options.PurgeBatchSize, cancellationToken).ConfigureAwait(false);
            total += n;
            if (n < _options.PurgeBatchSize)
            {
                break;
            }

            await Task.Yield();
        }

        if (total > 0)
        {
            Log.Purged(_logger, total, cutoff);
        }

        return total;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(_options.PurgeInterval, _time, stoppingToken).ConfigureAwait(false);
                try
                {
                    await PurgeOnceAsync(stoppingToken).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // The purge retries at its next interval.
                catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    Log.StoreFailed(_logger, ex, (long)_options.PurgeInterval.TotalMilliseconds);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

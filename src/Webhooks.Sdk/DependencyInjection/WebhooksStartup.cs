using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Internal;

namespace Webhooks.Sdk.DependencyInjection;

/// <summary>
/// At start: warns about unsafe development settings and creates or updates destinations declared in configuration.
/// A configuration error fails the start, naming the destination and the field. A failure of the environment (a DNS
/// outage, an unreachable store or network) does not: it is logged and retried in the background, 1 s after start and
/// then twice as long each time up to 5 minutes, until it succeeds or the host stops.
/// </summary>
internal sealed class WebhooksStartup : IHostedService, IDisposable
{
    internal static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(5);

    private readonly IOptions<WebhooksOptions> _options;
    private readonly IWebhookDestinationManager _destinations;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _background;

    public WebhooksStartup(IOptions<WebhooksOptions> options, IWebhookDestinationManager destinations, TimeProvider time, ILogger<WebhooksStartup> logger)
    {
        _options = options;
        _destinations = destinations;
        _time = time;
        _logger = logger;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = _options.Value;
        if (options.Safety.DangerouslyAllowHttp)
        {
            Log.UnsafeSetting(_logger, "Safety.DangerouslyAllowHttp (plain http:// destinations are allowed)");
        }

        if (options.Safety.DangerouslyAllowedNetworks.Count > 0)
        {
            Log.UnsafeSetting(_logger, "Safety.DangerouslyAllowedNetworks = " + string.Join(", ", options.Safety.DangerouslyAllowedNetworks));
        }

        if (options.Safety.AllowLoopbackForDevelopment || options.Safety.AllowPrivateNetworksForDevelopment)
        {
            Log.UnsafeSetting(_logger, options.Safety.AllowPrivateNetworksForDevelopment
                ? "Safety.AllowPrivateNetworksForDevelopment (plain http, loopback and private networks are allowed)"
                : "Safety.AllowLoopbackForDevelopment (plain http and loopback are allowed)");
        }

        var waiting = new List<(int Index, WebhookDestinationDefinition Definition)>();
        for (var i = 0; i < options.Destinations.Count; i++)
        {
            var definition = options.Destinations[i];
            if (string.IsNullOrWhiteSpace(definition.Id))
            {
                throw new OptionsValidationException(nameof(WebhooksOptions), typeof(WebhooksOptions), [$"{ConfiguredAuth.Where(i, null)}: the destination '{definition.Name}' declared in configuration needs an Id."]);
            }

            if (await TryApplyAsync(i, definition, attempt: 1, cancellationToken).ConfigureAwait(false) is not null)
            {
                waiting.Add((i, definition));
            }
        }

        if (waiting.Count > 0)
        {
            _background = Task.Run(() => RetryInBackgroundAsync(waiting, _stopping.Token), CancellationToken.None);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_background is { } background)
        {
            await background.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>
    /// Applies one configured destination. A permanent configuration error throws <see cref="OptionsValidationException"/>
    /// naming the destination and the field; a transient failure (DNS, network, an unreachable store, a certificate
    /// that is not valid right now) is logged and returned, to be retried in the background.
    /// </summary>
    private async Task<Exception?> TryApplyAsync(int index, WebhookDestinationDefinition definition, int attempt, CancellationToken cancellationToken)
    {
        try
        {
            await ApplyAsync(definition, cancellationToken).ConfigureAwait(false);
            if (attempt > 1)
            {
                StartupLog.ConfiguredDestinationApplied(_logger, ConfiguredAuth.Where(index, definition.Id), attempt);
            }

            return null;
        }
        catch (WebhookValidationException ex) when (ex.Errors.Count == 0 || !ex.Errors.All(DestinationValidator.IsTransient))
        {
            throw new OptionsValidationException(nameof(WebhooksOptions), typeof(WebhooksOptions), [$"{ConfiguredAuth.Where(index, definition.Id)}: {ex.Message}"]);
        }
        catch (WebhookUrlRefusedException ex) when (ex.Verdict?.Rule != WebhookUrlRules.DnsFailure)
        {
            throw new OptionsValidationException(nameof(WebhooksOptions), typeof(WebhooksOptions), [$"{ConfiguredAuth.Where(index, definition.Id)}: {ex.Message}"]);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Anything else is the environment (DNS, network, store): the host starts and this is retried.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            StartupLog.ConfiguredDestinationDeferred(_logger, ex, ConfiguredAuth.Where(index, definition.Id), attempt, Redaction.Error(ex.Message, Uri.TryCreate(definition.Url, UriKind.Absolute, out var url) ? url : null));
            return ex;
        }
    }

    private async Task RetryInBackgroundAsync(List<(int Index, WebhookDestinationDefinition Definition)> waiting, CancellationToken stoppingToken)
    {
        var delay = FirstRetryDelay;
        var attempt = 1;
        try
        {
            while (waiting.Count > 0)
            {
                await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                attempt++;
                for (var i = waiting.Count - 1; i >= 0; i--)
                {
                    try
                    {
                        if (await TryApplyAsync(waiting[i].Index, waiting[i].Definition, attempt, stoppingToken).ConfigureAwait(false) is null)
                        {
                            waiting.RemoveAt(i);
                        }
                    }
                    catch (OptionsValidationException ex)
                    {
                        // It became a permanent error meanwhile (for example the name now resolves to a private address).
                        StartupLog.ConfiguredDestinationRefused(_logger, ex.Message);
                        waiting.RemoveAt(i);
                    }
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ApplyAsync(WebhookDestinationDefinition definition, CancellationToken cancellationToken)
    {
        try
        {
            var existing = await _destinations.GetAsync(definition.Id!, cancellationToken).ConfigureAwait(false);
            await _destinations.UpdateAsync(definition.Id!, ToUpdate(definition), cancellationToken).ConfigureAwait(false);
            if (existing.Enabled != definition.Enabled)
            {
                _ = definition.Enabled
                    ? await _destinations.EnableAsync(definition.Id!, cancellationToken).ConfigureAwait(false)
                    : await _destinations.DisableAsync(definition.Id!, "Disabled in configuration.", cancellationToken).ConfigureAwait(false);
            }
        }
        catch (WebhookNotFoundException)
        {
            await _destinations.CreateAsync(definition, cancellationToken).ConfigureAwait(false);
        }
    }

    private static WebhookDestinationUpdate ToUpdate(WebhookDestinationDefinition d) => new()
    {
        Name = d.Name,
        Url = d.Url,
        Method = d.Method,
        Format = d.Format,
        Auth = d.Auth,
        Headers = d.Headers,
        Subscriptions = d.Subscriptions,
        RetryCount = d.RetryCount,
        AttemptTimeout = d.AttemptTimeout,
        RateLimit = d.RateLimit,
        RemoveRateLimit = d.RateLimit is null,
        FormatSettings = d.FormatSettings,
        TextFormat = d.TextFormat,
        BodyTemplate = d.BodyTemplate ?? string.Empty,
        Correlation = d.Correlation,
        RemoveCorrelation = d.Correlation is null,
        OrderedDelivery = d.OrderedDelivery,
        PropagateTraceContext = d.PropagateTraceContext,
    };
}

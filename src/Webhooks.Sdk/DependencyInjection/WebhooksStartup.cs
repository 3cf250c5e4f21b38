using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Delivery;

namespace Webhooks.Sdk.DependencyInjection;

/// <summary>At start: warns about unsafe development settings and creates or updates destinations declared in configuration.</summary>
internal sealed class WebhooksStartup : IHostedService
{
    private readonly IOptions<WebhooksOptions> _options;
    private readonly IWebhookDestinationManager _destinations;
    private readonly ILogger _logger;

    public WebhooksStartup(IOptions<WebhooksOptions> options, IWebhookDestinationManager destinations, ILogger<WebhooksStartup> logger)
    {
        _options = options;
        _destinations = destinations;
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

        for (var i = 0; i < options.Destinations.Count; i++)
        {
            var definition = options.Destinations[i];
            if (string.IsNullOrWhiteSpace(definition.Id))
            {
                throw new OptionsValidationException(nameof(WebhooksOptions), typeof(WebhooksOptions), [$"{ConfiguredAuth.Where(i, null)}: the destination '{definition.Name}' declared in configuration needs an Id."]);
            }

            try
            {
                await ApplyAsync(definition, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebhookValidationException or WebhookUrlRefusedException)
            {
                throw new OptionsValidationException(nameof(WebhooksOptions), typeof(WebhooksOptions), [$"{ConfiguredAuth.Where(i, definition.Id)}: {ex.Message}"]);
            }
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

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

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

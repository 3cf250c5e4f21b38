using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Diagnostics;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Internal;

/// <summary>The services the tenant-scoped facades share.</summary>
internal sealed class WebhookCore
{
    public WebhookCore(
        IWebhookStore store,
        DestinationMapper mapper,
        DestinationValidator validator,
        AuthenticatorRegistry authenticators,
        DeliverySender sender,
        EventCache events,
        DispatchSignal signal,
        IWebhookUrlPolicy urlPolicy,
        IWebhookEventCatalog catalog,
        TimeProvider time,
        IOptions<WebhooksOptions> options,
        WebhookMetrics metrics,
        ILoggerFactory loggerFactory)
    {
        Store = store;
        Mapper = mapper;
        Validator = validator;
        Authenticators = authenticators;
        Sender = sender;
        Events = events;
        Signal = signal;
        UrlPolicy = urlPolicy;
        Catalog = catalog;
        Time = time;
        Options = options.Value;
        Metrics = metrics;
        Logger = loggerFactory.CreateLogger("Webhooks.Sdk");
    }

    public IWebhookStore Store { get; }

    public DestinationMapper Mapper { get; }

    public DestinationValidator Validator { get; }

    public AuthenticatorRegistry Authenticators { get; }

    public DeliverySender Sender { get; }

    public EventCache Events { get; }

    public DispatchSignal Signal { get; }

    public IWebhookUrlPolicy UrlPolicy { get; }

    public IWebhookEventCatalog Catalog { get; }

    public TimeProvider Time { get; }

    public WebhooksOptions Options { get; }

    public WebhookMetrics Metrics { get; }

    public ILogger Logger { get; }

    public async Task<DestinationRuntime> GetRuntimeAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        var record = await Store.GetDestinationAsync(tenantId, id, cancellationToken).ConfigureAwait(false)
            ?? throw WebhookNotFoundException.Destination(tenantId, id);
        return Mapper.ToRuntime(record);
    }

    public async Task EnsureUrlAllowedAsync(Uri url, CancellationToken cancellationToken)
    {
        var verdict = await UrlPolicy.EvaluateAsync(url, cancellationToken).ConfigureAwait(false);
        if (!verdict.Allowed)
        {
            throw new WebhookUrlRefusedException(verdict);
        }
    }
}

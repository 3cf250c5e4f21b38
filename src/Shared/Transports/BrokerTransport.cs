using Microsoft.Extensions.Logging;

namespace Webhooks.Sdk.Transports;

/// <summary>
/// The base of the transports that keep one broker connection per destination (RabbitMQ, NATS): the connect-time guard,
/// the logger and the connection pool, disposed with the transport. Compiled into each transport package.
/// </summary>
/// <typeparam name="TEntry">What the transport keeps per destination.</typeparam>
internal abstract class BrokerTransport<TEntry> : IWebhookTransport, IAsyncDisposable
    where TEntry : class, IAsyncDisposable
{
    /// <summary>Initializes a new instance of the <see cref="BrokerTransport{TEntry}"/> class.</summary>
    /// <param name="connector">The connect-time guard every connection's address is judged by.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="usable">Whether a kept entry is still usable for a destination version.</param>
    /// <param name="schemes">The URL schemes the transport handles.</param>
    protected BrokerTransport(IWebhookOutboundConnector connector, ILogger logger, Func<TEntry, string, bool> usable, params string[] schemes)
    {
        Connector = connector;
        Logger = logger;
        Pool = new BrokerConnectionPool<TEntry>(usable);
        Schemes = schemes;
    }

    /// <inheritdoc />
    public IReadOnlyCollection<string> Schemes { get; }

    /// <summary>Gets the connect-time guard.</summary>
    protected IWebhookOutboundConnector Connector { get; }

    /// <summary>Gets the logger.</summary>
    protected ILogger Logger { get; }

    /// <summary>Gets the destinations' connections.</summary>
    protected BrokerConnectionPool<TEntry> Pool { get; }

    /// <inheritdoc />
    public abstract void Validate(WebhookDestinationDefinition destination, Uri url, IList<WebhookValidationError> errors);

    /// <inheritdoc />
    public abstract Task<WebhookAttemptResult> SendAsync(WebhookTransportRequest request, CancellationToken cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Pool.DisposeAsync();
}

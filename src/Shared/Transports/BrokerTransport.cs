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

    /// <summary>
    /// Gets the destination's connection, opening one when there is none usable; a refused address or a broker that
    /// cannot be reached becomes the attempt's failure instead.
    /// </summary>
    /// <param name="request">The attempt.</param>
    /// <param name="open">Opens an entry: receives the stale entry (or <see langword="null"/>) and the destination version.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The entry, or the failed attempt.</returns>
    protected async Task<(TEntry? Entry, WebhookAttemptResult? Failure)> ConnectAsync(WebhookTransportRequest request, Func<TEntry?, string, Task<TEntry>> open, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(open);
        var identity = BrokerConnections.ConnectionIdentity(request);
        try
        {
            return (await Pool.GetOrOpenAsync(identity, stale => open(stale, identity.Version), cancellationToken).ConfigureAwait(false), null);
        }
        catch (WebhookUrlRefusedException ex)
        {
            return (null, new WebhookAttemptResult { Success = false, Error = ex.Message });
        }
        catch (Exception ex) when (DescribeConnectFailure(ex) is { } reason)
        {
            return (null, new WebhookAttemptResult { Success = false, Error = reason });
        }
    }

    /// <summary>Drops a destination's entry that failed, so the next attempt opens (and judges) a new connection.</summary>
    /// <param name="request">The attempt.</param>
    /// <param name="entry">The entry that failed.</param>
    /// <returns>A task that completes when the entry is disposed.</returns>
    protected Task DropAsync(WebhookTransportRequest request, TEntry entry)
        => Pool.DropAsync(BrokerConnections.ConnectionIdentity(request).Key, entry);

    /// <summary>Describes an exception of opening a connection as a failed attempt's error, or <see langword="null"/> when it is not the broker client's.</summary>
    /// <param name="exception">The exception.</param>
    /// <returns>The error, or <see langword="null"/> to let the exception through.</returns>
    protected abstract string? DescribeConnectFailure(Exception exception);
}

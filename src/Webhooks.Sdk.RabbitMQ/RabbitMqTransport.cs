using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Webhooks.Sdk.Transports;

namespace Webhooks.Sdk.RabbitMQ;

/// <summary>
/// Publishes deliveries to RabbitMQ over AMQP 0-9-1 (<c>amqp://host:port/vhost</c>, <c>amqps://host:port/vhost</c>).
/// The body is the formatted payload; the properties carry the event id as <c>message-id</c>, the event type as
/// <c>type</c>, the content type and persistent delivery; the library's headers (including signatures) are message
/// headers. An attempt succeeds on the broker's publisher confirm; a nack or a return (unroutable, published with
/// <c>mandatory</c>) fails it with the broker's reason. One connection and one confirming channel per destination are
/// kept open (with the client's automatic recovery) and shared by its attempts. The connection goes to an address
/// judged by the outbound address rules; TLS still verifies the host name.
/// </summary>
internal sealed class RabbitMqTransport : BrokerTransport<RabbitMqTransport.Entry>
{
    public const string Scheme = "amqp";
    public const string TlsScheme = "amqps";
    public const string DefaultRoutingKey = "${type}";

    public RabbitMqTransport(IWebhookOutboundConnector connector, ILogger<RabbitMqTransport> logger)
        : base(connector, logger, (entry, version) => entry.Version == version && entry.Channel.IsOpen, Scheme, TlsScheme)
    {
    }

    public override void Validate(WebhookDestinationDefinition destination, Uri url, IList<WebhookValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(errors);
        var settings = RabbitMqSettings.From(destination.FormatSettings);
        if (Encoding.UTF8.GetByteCount(settings.Exchange) > 255)
        {
            errors.Add(new("FormatSettings[exchange]", $"is {Encoding.UTF8.GetByteCount(settings.Exchange)} bytes; an exchange name is at most 255 bytes"));
        }

        if (WebhookTextTemplate.Check(settings.RoutingKey) is { } syntax)
        {
            errors.Add(new("FormatSettings[routingKey]", syntax));
        }
        else
        {
            var sample = WebhookTextTemplate.RenderSample(settings.RoutingKey);
            if (sample.Length == 0)
            {
                errors.Add(new("FormatSettings[routingKey]", "renders empty; give a routing key or a template that renders one, for example '${type}'"));
            }
            else if (!settings.RoutingKey.Contains('$', StringComparison.Ordinal) && Encoding.UTF8.GetByteCount(sample) > 255)
            {
                errors.Add(new("FormatSettings[routingKey]", "is longer than 255 bytes"));
            }
        }

        BrokerConnections.ValidateCaCertificate(settings.CaCertificatePem, errors);

        if (url.Query.Length > 0)
        {
            errors.Add(new("Url", "an AMQP URL has no query; put the exchange and routing key in FormatSettings"));
        }

        if (destination.Auth is not (null or NoWebhookAuth or BasicWebhookAuth or HmacSignatureWebhookAuth))
        {
            errors.Add(new("Auth", $"auth kind '{destination.Auth.Kind}' is not supported by RabbitMQ destinations; use basic (user and password) or hmac (signed messages)"));
        }
    }

    public override async Task<WebhookAttemptResult> SendAsync(WebhookTransportRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = RabbitMqSettings.From(request.Destination.FormatSettings);
        var routingKey = request.Event is { } evt ? WebhookTextTemplate.Render(settings.RoutingKey, evt) : settings.RoutingKey;
        if (routingKey.Length == 0 || Encoding.UTF8.GetByteCount(routingKey) > 255)
        {
            return new WebhookAttemptResult { Success = false, Permanent = true, Error = $"FormatSettings[routingKey] rendered {(routingKey.Length == 0 ? "empty" : "longer than 255 bytes")} for this event." };
        }

        var (entry, failure) = await ConnectAsync(request, (stale, version) => OpenAsync(stale, version, request, settings, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (entry is null)
        {
            return failure!;
        }

        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in BrokerConnections.MessageHeaders(request))
        {
            headers[name] = value;
        }

        var properties = new BasicProperties
        {
            MessageId = request.Event?.Id,
            Type = request.Event?.Type,
            ContentType = request.Payload.ContentType,
            DeliveryMode = DeliveryModes.Persistent,
            AppId = "webhooks-sdk",
            Headers = headers,
        };
        if (request.Event?.OccurredAt is { } at)
        {
            properties.Timestamp = new AmqpTimestamp(at.ToUnixTimeSeconds());
        }

        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await entry.Channel.BasicPublishAsync(settings.Exchange, routingKey, mandatory: true, properties, request.Payload.Body, cancellationToken).ConfigureAwait(false);
            return new WebhookAttemptResult { Success = true, ResponseExcerpt = "confirmed by the broker" };
        }
        catch (PublishReturnException ex)
        {
            return Fail($"The broker returned the message: {ex.ReplyCode.ToString(CultureInfo.InvariantCulture)} {ex.ReplyText} (exchange '{ex.Exchange}', routing key '{ex.RoutingKey}').");
        }
        catch (PublishException ex)
        {
            return Fail(ex.IsReturn ? "The broker returned the message (unroutable)." : "The broker did not confirm the message (nack).");
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or RabbitMQClientException or IOException)
        {
            if (!entry.Connection.IsOpen)
            {
                await DropAsync(request, entry).ConfigureAwait(false);
            }

            return Fail("RabbitMQ publish failed: " + ex.Message);
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    private async Task<Entry> OpenAsync(Entry? stale, string version, WebhookTransportRequest request, RabbitMqSettings settings, CancellationToken cancellationToken)
    {
        if (stale is not null && (stale.Version != version || !stale.Connection.IsOpen))
        {
            await stale.DisposeAsync().ConfigureAwait(false);
            stale = null;
        }

        var url = request.Url;
        var host = url.IdnHost;
        var tls = string.Equals(url.Scheme, TlsScheme, StringComparison.OrdinalIgnoreCase);
        var port = url.Port > 0 ? url.Port : tls ? 5671 : 5672;
        IConnection connection;
        if (stale is { } previous && previous.Connection.IsOpen)
        {
            // The connection is fine and only the channel closed (for example a missing exchange): a new channel.
            connection = previous.Connection;
            await previous.Channel.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            var address = await BrokerConnections.ResolveAllowedAddressAsync(Connector, host, cancellationToken).ConfigureAwait(false);
            var vhost = url.AbsolutePath.Length > 1 ? Uri.UnescapeDataString(url.AbsolutePath[1..]) : "/";
            var factory = new ConnectionFactory
            {
                HostName = address.ToString(),
                Port = port,
                VirtualHost = vhost,
                ClientProvidedName = "webhooks-sdk " + request.Destination.Id,
                AutomaticRecoveryEnabled = true,
                TopologyRecoveryEnabled = false,
                NetworkRecoveryInterval = TimeSpan.FromSeconds(1),
                RequestedConnectionTimeout = TimeSpan.FromSeconds(10),
                Ssl = tls
                    ? new SslOption
                    {
                        Enabled = true,
                        ServerName = host,
                        CertificateValidationCallback = settings.CaCertificatePem is { } pem
                            ? (_, certificate, _, errors) => BrokerConnections.TrustedByCustomCa(certificate, errors, pem)
                            : null,
                    }
                    : new SslOption { Enabled = false },
            };
            if (request.Auth is BasicWebhookAuth basic)
            {
                factory.UserName = basic.Username;
                factory.Password = basic.Password ?? string.Empty;
            }

            connection = await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
            Log.Connected(Logger, request.Destination.Id, host, port);
        }

        IChannel channel;
        try
        {
            channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new Entry(version, connection, channel);
    }

    protected override string? DescribeConnectFailure(Exception exception)
        => exception is BrokerUnreachableException ? "RabbitMQ connection failed: " + (exception.InnerException?.Message ?? exception.Message) : null;

    private static WebhookAttemptResult Fail(string error) => new() { Success = false, Error = error };

    internal sealed class Entry(string version, IConnection connection, IChannel channel) : IAsyncDisposable
    {
        public string Version { get; } = version;

        public IConnection Connection { get; } = connection;

        public IChannel Channel { get; } = channel;

        /// <summary>One publish at a time per channel.</summary>
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public async ValueTask DisposeAsync()
        {
            try
            {
                await Channel.DisposeAsync().ConfigureAwait(false);
                await Connection.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException)
            {
                // Closing a connection the broker already closed.
            }
        }
    }
}

/// <summary>The RabbitMQ settings of a destination (in its format settings).</summary>
internal sealed class RabbitMqSettings
{
    /// <summary>Gets the exchange; empty is the default exchange, which routes by queue name.</summary>
    public string Exchange { get; private init; } = string.Empty;

    /// <summary>Gets the routing key template.</summary>
    public string RoutingKey { get; private init; } = RabbitMqTransport.DefaultRoutingKey;

    public string? CaCertificatePem { get; private init; }

    public static RabbitMqSettings From(IReadOnlyDictionary<string, string>? settings) => new()
    {
        Exchange = Get(settings, "exchange") ?? string.Empty,
        RoutingKey = Get(settings, "routingKey") ?? RabbitMqTransport.DefaultRoutingKey,
        CaCertificatePem = Get(settings, "caCertificate") is { Length: > 0 } pem ? pem : null,
    };

    public static RabbitMqSettings From(IDictionary<string, string>? settings)
        => From(settings is null ? null : new Dictionary<string, string>(settings, StringComparer.OrdinalIgnoreCase) as IReadOnlyDictionary<string, string>);

    private static string? Get(IReadOnlyDictionary<string, string>? settings, string name)
        => settings is not null && settings.TryGetValue(name, out var value) ? value : null;
}

internal static partial class Log
{
    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "RabbitMQ connection for destination {DestinationId} opened to {Host}:{Port}.")]
    public static partial void Connected(ILogger logger, string destinationId, string host, int port);
}

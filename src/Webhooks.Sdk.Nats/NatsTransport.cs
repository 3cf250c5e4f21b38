using System.Globalization;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Webhooks.Sdk.Transports;

namespace Webhooks.Sdk.Nats;

/// <summary>
/// Publishes deliveries to NATS (<c>nats://host:port</c>, <c>tls://host:port</c>). With JetStream (the default) an attempt
/// succeeds when the server acknowledges the stored message; with core NATS (setting <c>jetstream</c> = <c>false</c>)
/// publishing is fire-and-forget: success means the message was written to the connection, not that anyone got it.
/// One connection per destination is kept open and shared by its attempts; it is opened to an address judged by the
/// outbound address rules and never reconnects by itself (a broken connection is replaced, and judged again, on the
/// next attempt), so servers the cluster advertises are never dialled.
/// </summary>
internal sealed class NatsTransport : BrokerTransport<NatsTransport.Entry>
{
    public const string Scheme = "nats";
    public const string TlsScheme = "tls";
    private const int DefaultPort = 4222;

    /// <summary>One try per attempt: retries are the queue's business, with its backoff and history.</summary>
    private static readonly NatsJSPubOpts PublishOptions = new() { RetryAttempts = 1 };

    public NatsTransport(IWebhookOutboundConnector connector, ILogger<NatsTransport> logger)
        : base(connector, logger, (entry, version) => entry.Version == version && entry.Connection.ConnectionState == NatsConnectionState.Open, Scheme, TlsScheme)
    {
    }

    public override void Validate(WebhookDestinationDefinition destination, Uri url, IList<WebhookValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(errors);
        var settings = NatsSettings.From(destination.FormatSettings);
        if (string.IsNullOrWhiteSpace(settings.Subject))
        {
            errors.Add(new("FormatSettings[subject]", "is required for a NATS destination, for example 'webhooks.scans'"));
        }
        else if (NatsSettings.CheckSubject(settings.Subject) is { } problem)
        {
            errors.Add(new("FormatSettings[subject]", problem));
        }

        if (settings.JetStreamText is { } js && !bool.TryParse(js, out _))
        {
            errors.Add(new("FormatSettings[jetstream]", $"must be true or false, not '{js}'"));
        }

        BrokerConnections.ValidateCaCertificate(settings.CaCertificatePem, errors);

        if (url.AbsolutePath is { Length: > 1 } || url.Query.Length > 0)
        {
            errors.Add(new("Url", "a NATS URL has no path or query; put the subject in FormatSettings[subject]"));
        }

        if (destination.Auth is not (null or NoWebhookAuth or BasicWebhookAuth or BearerTokenWebhookAuth or HmacSignatureWebhookAuth))
        {
            errors.Add(new("Auth", $"auth kind '{destination.Auth.Kind}' is not supported by NATS destinations; use basic (user and password), bearer (token) or hmac (signed messages)"));
        }
    }

    public override async Task<WebhookAttemptResult> SendAsync(WebhookTransportRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = NatsSettings.From(request.Destination.FormatSettings);
        if (string.IsNullOrWhiteSpace(settings.Subject) || NatsSettings.CheckSubject(settings.Subject) is not null)
        {
            return Fail("FormatSettings[subject] is missing or invalid.", permanent: true);
        }

        var (entry, failure) = await ConnectAsync(request, (stale, version) => OpenAsync(stale, version, request, settings, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (entry is null)
        {
            return failure!;
        }

        var connection = entry.Connection;
        var headers = new NatsHeaders();
        foreach (var (name, value) in BrokerConnections.MessageHeaders(request))
        {
            headers[name] = value;
        }

        headers["Content-Type"] = request.Payload.ContentType;
        var body = request.Payload.Body.ToArray();
        try
        {
            if (settings.JetStream)
            {
                // Nats-Msg-Id makes a retry of the same delivery a duplicate the stream drops.
                headers["Nats-Msg-Id"] = request.DeliveryId ?? request.Event?.Id ?? Guid.NewGuid().ToString("N");
                var js = new NatsJSContext(connection);
                var ack = await js.PublishAsync(settings.Subject!, body, opts: PublishOptions, headers: headers, cancellationToken: cancellationToken).ConfigureAwait(false);
                ack.EnsureSuccess();
                return new WebhookAttemptResult
                {
                    Success = true,
                    ResponseExcerpt = $"stream {ack.Stream} seq {ack.Seq.ToString(CultureInfo.InvariantCulture)}{(ack.Duplicate ? " (duplicate)" : string.Empty)}",
                };
            }

            await connection.PublishAsync(settings.Subject!, body, headers: headers, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new WebhookAttemptResult { Success = true, ResponseExcerpt = "published (core NATS, no acknowledgement)" };
        }
        catch (NatsNoRespondersException)
        {
            return Fail($"No JetStream stream captures subject '{settings.Subject}' (no responders).");
        }
        catch (NatsJSApiException ex)
        {
            return Fail("JetStream refused the message: " + ex.Message);
        }
        catch (NatsException ex) when (settings.JetStream && connection.ConnectionState == NatsConnectionState.Open)
        {
            return Fail($"JetStream did not acknowledge the message on subject '{settings.Subject}' (no stream captures the subject, or the server is changing state): {ex.Message}");
        }
        catch (NatsException ex)
        {
            await DropAsync(request, entry).ConfigureAwait(false);
            return Fail("NATS publish failed: " + ex.Message);
        }
    }

    private async Task<Entry> OpenAsync(Entry? stale, string version, WebhookTransportRequest request, NatsSettings settings, CancellationToken cancellationToken)
    {
        if (stale is not null)
        {
            await stale.DisposeAsync().ConfigureAwait(false);
        }

        var url = request.Url;
        var host = url.IdnHost;
        var port = url.Port > 0 ? url.Port : DefaultPort;
        var address = await BrokerConnections.ResolveAllowedAddressAsync(Connector, host, cancellationToken).ConfigureAwait(false);
        var literal = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString();
        var tls = string.Equals(url.Scheme, TlsScheme, StringComparison.OrdinalIgnoreCase);
        var opts = new NatsOpts
        {
            Url = "nats://" + literal + ":" + port.ToString(CultureInfo.InvariantCulture),
            Name = "webhooks-sdk",
            MaxReconnectRetry = 0,
            RetryOnInitialConnect = false,
            NoRandomize = true,
            CommandTimeout = TimeSpan.FromSeconds(10),
            AuthOpts = request.Auth switch
            {
                BasicWebhookAuth basic => new NatsAuthOpts { Username = basic.Username, Password = basic.Password },
                BearerTokenWebhookAuth bearer => new NatsAuthOpts { Token = bearer.Token },
                _ => NatsAuthOpts.Default,
            },
            TlsOpts = tls
                ? new NatsTlsOpts
                {
                    Mode = TlsMode.Require,
                    ConfigureClientAuthentication = options =>
                    {
                        // The connection goes to the judged address; the certificate must still name the host.
                        options.TargetHost = host;
                        if (settings.CaCertificatePem is { } pem)
                        {
                            options.RemoteCertificateValidationCallback = (_, certificate, _, errors) => BrokerConnections.TrustedByCustomCa(certificate, errors, pem);
                        }

                        return ValueTask.CompletedTask;
                    },
                }
                : new NatsTlsOpts { Mode = TlsMode.Disable },
        };
        var connection = new NatsConnection(opts);
        try
        {
            await connection.ConnectAsync().ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        Log.Connected(Logger, request.Destination.Id, host, port);
        return new Entry(version, connection);
    }

    protected override string? DescribeConnectFailure(Exception exception)
        => exception is NatsException ? "NATS connection failed: " + exception.Message : null;

    private static WebhookAttemptResult Fail(string error, bool permanent = false) => new() { Success = false, Error = error, Permanent = permanent };

    internal sealed record Entry(string Version, NatsConnection Connection) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Connection.DisposeAsync();
    }
}

/// <summary>The NATS settings of a destination (in its format settings).</summary>
internal sealed class NatsSettings
{
    public string? Subject { get; private init; }

    public string? JetStreamText { get; private init; }

    public bool JetStream => JetStreamText is null || !bool.TryParse(JetStreamText, out var on) || on;

    public string? CaCertificatePem { get; private init; }

    public static NatsSettings From(IReadOnlyDictionary<string, string>? settings) => new()
    {
        Subject = Get(settings, "subject")?.Trim(),
        JetStreamText = Get(settings, "jetstream")?.Trim(),
        CaCertificatePem = Get(settings, "caCertificate"),
    };

    public static NatsSettings From(IDictionary<string, string>? settings)
        => From(settings is null ? null : new Dictionary<string, string>(settings, StringComparer.OrdinalIgnoreCase) as IReadOnlyDictionary<string, string>);

    /// <summary>A publish subject: dot-separated non-empty tokens, no wildcards, no whitespace, at most 255 characters.</summary>
    public static string? CheckSubject(string subject)
    {
        if (subject.Length > 255)
        {
            return "must be at most 255 characters";
        }

        if (subject.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return $"'{subject}' contains whitespace; subjects are dot-separated tokens without spaces";
        }

        foreach (var token in subject.Split('.'))
        {
            if (token.Length == 0)
            {
                return $"'{subject}' has an empty token; write tokens separated by single dots";
            }

            if (token is "*" or ">" || token.Contains('*', StringComparison.Ordinal) || token.Contains('>', StringComparison.Ordinal))
            {
                return $"'{subject}' contains a wildcard ('*' or '>'); a destination publishes to one concrete subject";
            }
        }

        return null;
    }

    private static string? Get(IReadOnlyDictionary<string, string>? settings, string name)
        => settings is not null && settings.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;
}

internal static partial class Log
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "NATS connection for destination {DestinationId} opened to {Host}:{Port}.")]
    public static partial void Connected(ILogger logger, string destinationId, string host, int port);
}

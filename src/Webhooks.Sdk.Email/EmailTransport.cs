using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Webhooks.Sdk.Transports;

namespace Webhooks.Sdk.Email;

/// <summary>
/// Sends each delivery as an email through SMTP: <c>smtp://host:port</c> (default 587) with STARTTLS required (plain text
/// only with the <c>allowPlainText</c> setting) or <c>smtps://host:port</c> (default 465) with TLS from the first byte.
/// The message has a templated subject, a text part and an HTML part (every event value HTML-escaped) rendered from the
/// title, summary and data, and a <c>Message-ID</c> derived from the delivery id so a retry is the same message. A 4xx
/// reply is retried; a 5xx reply fails the delivery at once (and counts toward auto-disable). The connection goes to an
/// address judged by the outbound address rules; TLS still verifies the host name.
/// </summary>
internal sealed class EmailTransport : IWebhookTransport
{
    public const string Scheme = "smtp";
    public const string TlsScheme = "smtps";
    private readonly IWebhookOutboundConnector _connector;
    private readonly TimeProvider _time;

    public EmailTransport(IWebhookOutboundConnector connector, TimeProvider time)
    {
        _connector = connector;
        _time = time;
    }

    public IReadOnlyCollection<string> Schemes { get; } = [Scheme, TlsScheme];

    public void Validate(WebhookDestinationDefinition destination, Uri url, IList<WebhookValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(errors);
        var settings = EmailSettings.Read(destination.FormatSettings);
        if (settings.From is null)
        {
            errors.Add(new("FormatSettings[from]", "is required: the sender address, for example 'alerts@example.com'"));
        }
        else if (EmailSettings.ParseAddress(settings.From) is null)
        {
            errors.Add(new("FormatSettings[from]", $"'{settings.From}' is not a valid email address"));
        }

        if (settings.To.Count == 0)
        {
            errors.Add(new("FormatSettings[to]", "is required: one or more recipient addresses, separated by commas"));
        }

        foreach (var (field, list) in new[] { ("to", settings.To), ("cc", settings.Cc) })
        {
            foreach (var address in list)
            {
                if (EmailSettings.ParseAddress(address) is null)
                {
                    errors.Add(new($"FormatSettings[{field}]", $"'{address}' is not a valid email address"));
                }
            }
        }

        if (settings.To.Count + settings.Cc.Count > EmailSettings.MaxRecipients)
        {
            errors.Add(new("FormatSettings[to]", $"at most {EmailSettings.MaxRecipients} recipients (To and Cc together)"));
        }

        if (WebhookTextTemplate.Check(settings.Subject) is { } syntax)
        {
            errors.Add(new("FormatSettings[subject]", syntax));
        }
        else if (string.IsNullOrWhiteSpace(WebhookTextTemplate.RenderSample(settings.Subject)))
        {
            errors.Add(new("FormatSettings[subject]", "renders empty; give a subject or a template that renders one, for example '${title}'"));
        }

        if (settings.AllowPlainTextText is { } plain && !bool.TryParse(plain, out _))
        {
            errors.Add(new("FormatSettings[allowPlainText]", $"must be true or false, not '{plain}'"));
        }

        BrokerConnections.ValidateCaCertificate(settings.CaCertificatePem, errors);

        if (url.AbsolutePath is { Length: > 1 } || url.Query.Length > 0)
        {
            errors.Add(new("Url", "an SMTP URL has no path or query; put the addresses in FormatSettings[from], [to] and [cc]"));
        }

        if (destination.Auth is not (null or NoWebhookAuth or BasicWebhookAuth or OAuth2ClientCredentialsWebhookAuth))
        {
            errors.Add(new("Auth", $"auth kind '{destination.Auth.Kind}' is not supported by email destinations; use basic (SMTP login) or oauth2 (XOAUTH2)"));
        }
    }

    public async Task<WebhookAttemptResult> SendAsync(WebhookTransportRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = EmailSettings.Read(request.Destination.FormatSettings);
        var evt = request.Event ?? new WebhookEvent { Type = "webhook" };
        MimeMessage message;
        try
        {
            message = EmailMessageBuilder.Build(evt, settings, request, _time.GetUtcNow());
        }
        catch (Exception ex) when (ex is ArgumentException or ParseException or FormatException)
        {
            return new WebhookAttemptResult { Success = false, Permanent = true, Error = "The message could not be built: " + ex.Message };
        }

        var url = request.Url;
        var host = url.IdnHost;
        var implicitTls = string.Equals(url.Scheme, TlsScheme, StringComparison.OrdinalIgnoreCase);
        var port = url.Port > 0 ? url.Port : implicitTls ? 465 : 587;
        var security = implicitTls ? SecureSocketOptions.SslOnConnect : settings.AllowPlainText ? SecureSocketOptions.StartTlsWhenAvailable : SecureSocketOptions.StartTls;
        using var client = new SmtpClient { Timeout = 30_000, LocalDomain = "webhooks-sdk" };
        if (settings.CaCertificatePem is { } pem)
        {
            client.ServerCertificateValidationCallback = (_, certificate, _, errors) => BrokerConnections.TrustedByCustomCa(certificate, errors, pem);
        }

        var stage = "connect";
        try
        {
            var socket = await _connector.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            try
            {
                await client.ConnectAsync(socket, host, port, security, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            stage = "authenticate";
            switch (request.Auth)
            {
                case BasicWebhookAuth basic:
                    await client.AuthenticateAsync(new NetworkCredential(basic.Username, basic.Password), cancellationToken).ConfigureAwait(false);
                    break;
                case OAuth2ClientCredentialsWebhookAuth:
                    var token = BearerToken(request.Headers) ?? throw new AuthenticationException("No OAuth2 access token was obtained.");
                    await client.AuthenticateAsync(new SaslMechanismOAuth2(settings.Username ?? settings.From ?? string.Empty, token), cancellationToken).ConfigureAwait(false);
                    break;
            }

            stage = "send";
            var reply = await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
            await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
            return new WebhookAttemptResult { Success = true, ResponseExcerpt = Bound("250 " + reply) };
        }
        catch (WebhookUrlRefusedException ex)
        {
            return Fail(ex.Message);
        }
        catch (SmtpCommandException ex)
        {
            var code = (int)ex.StatusCode;
            var what = ex.ErrorCode switch
            {
                SmtpErrorCode.RecipientNotAccepted => $"recipient {ex.Mailbox} not accepted",
                SmtpErrorCode.SenderNotAccepted => $"sender {ex.Mailbox} not accepted",
                SmtpErrorCode.MessageNotAccepted => "message not accepted",
                _ => "command failed",
            };
            var text = $"SMTP {code.ToString(CultureInfo.InvariantCulture)} ({what}): {ex.Message}";
            return new WebhookAttemptResult { Success = false, Error = Bound(text), ResponseExcerpt = Bound(code.ToString(CultureInfo.InvariantCulture) + " " + ex.Message), Permanent = code >= 500 };
        }
        catch (AuthenticationException ex)
        {
            return Fail($"SMTP {stage} failed: authentication refused: {ex.Message}");
        }
        catch (SslHandshakeException ex)
        {
            return Fail("SMTP TLS handshake failed: " + ex.Message);
        }
        catch (NotSupportedException ex) when (stage == "connect")
        {
            // StartTls demanded by the destination but the server does not offer STARTTLS.
            return Fail("The SMTP server does not offer STARTTLS: " + ex.Message + " (set FormatSettings[allowPlainText] = true to send without TLS).");
        }
        catch (Exception ex) when (ex is SmtpProtocolException or IOException or SocketException or ServiceNotConnectedException)
        {
            return Fail($"SMTP {stage} failed: {ex.Message}");
        }
    }

    private static string? BearerToken(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        foreach (var (name, value) in headers)
        {
            if (string.Equals(name, "Authorization", StringComparison.OrdinalIgnoreCase) && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return value[7..].Trim();
            }
        }

        return null;
    }

    private static string Bound(string text) => text.Length <= 1000 ? text : text[..1000];

    private static WebhookAttemptResult Fail(string error) => new() { Success = false, Error = Bound(error) };
}

/// <summary>Builds the email for one delivery.</summary>
internal static class EmailMessageBuilder
{
    /// <summary>The longest subject, in characters; a longer one is cut and ends with an ellipsis.</summary>
    public const int MaxSubjectLength = 200;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static MimeMessage Build(WebhookEvent evt, EmailSettings settings, WebhookTransportRequest request, DateTimeOffset now)
    {
        var message = new MimeMessage();
        message.From.Add(EmailSettings.ParseAddress(settings.From ?? string.Empty) ?? throw new ArgumentException("FormatSettings[from] is not a valid address."));
        foreach (var to in settings.To)
        {
            message.To.Add(EmailSettings.ParseAddress(to) ?? throw new ArgumentException($"FormatSettings[to]: '{to}' is not a valid address."));
        }

        foreach (var cc in settings.Cc)
        {
            message.Cc.Add(EmailSettings.ParseAddress(cc) ?? throw new ArgumentException($"FormatSettings[cc]: '{cc}' is not a valid address."));
        }

        message.Subject = Subject(settings.Subject, evt);
        message.Date = now;
        // The same delivery keeps its Message-ID across retries, so a receiver (or its filter) sees one message.
        message.MessageId = (request.DeliveryId ?? evt.Id ?? MimeKit.Utils.MimeUtils.GenerateMessageId()) + "@webhooks-sdk";
        foreach (var (name, value) in request.Headers)
        {
            if (!string.Equals(name, "Authorization", StringComparison.OrdinalIgnoreCase) && !name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.Add(name, value);
            }
        }

        var body = new BodyBuilder { TextBody = Text(evt), HtmlBody = Html(evt) };
        message.Body = body.ToMessageBody();
        return message;
    }

    public static string Subject(string template, WebhookEvent evt)
    {
        var text = WebhookTextTemplate.Render(template, evt);
        var line = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            line.Append(char.IsControl(c) ? ' ' : c);
        }

        var subject = line.ToString().Trim();
        if (subject.Length == 0)
        {
            subject = evt.Type;
        }

        return subject.Length <= MaxSubjectLength ? subject : string.Concat(subject.AsSpan(0, MaxSubjectLength - 1).TrimEnd(), "…");
    }

    public static string Text(WebhookEvent evt)
    {
        var sb = new StringBuilder();
        sb.Append(evt.Title ?? evt.Type).Append("\n\n");
        if (!string.IsNullOrWhiteSpace(evt.Summary))
        {
            sb.Append(evt.Summary).Append("\n\n");
        }

        foreach (var (label, value) in Facts(evt))
        {
            sb.Append(label).Append(": ").Append(value).Append('\n');
        }

        if (evt.Data is { } data)
        {
            sb.Append("\nData:\n").Append(JsonSerializer.Serialize(data, Indented)).Append('\n');
        }

        return sb.ToString();
    }

    public static string Html(WebhookEvent evt)
    {
        static string E(string? s) => WebUtility.HtmlEncode(s ?? string.Empty);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>");
        sb.Append("<h2>").Append(E(evt.Title ?? evt.Type)).Append("</h2>");
        if (!string.IsNullOrWhiteSpace(evt.Summary))
        {
            sb.Append("<p>").Append(E(evt.Summary).Replace("\n", "<br>", StringComparison.Ordinal)).Append("</p>");
        }

        sb.Append("<table>");
        foreach (var (label, value) in Facts(evt))
        {
            sb.Append("<tr><th align=\"left\">").Append(E(label)).Append("</th><td>").Append(E(value)).Append("</td></tr>");
        }

        sb.Append("</table>");
        if (evt.Data is { } data)
        {
            sb.Append("<pre>").Append(E(JsonSerializer.Serialize(data, Indented))).Append("</pre>");
        }

        sb.Append("</body></html>");
        return sb.ToString();
    }

    private static IEnumerable<(string Label, string Value)> Facts(WebhookEvent evt)
    {
        yield return ("Type", evt.Type);
        if (evt.Severity is { } severity)
        {
            yield return ("Severity", severity.ToString());
        }

        if (evt.Source is { } source)
        {
            yield return ("Source", source);
        }

        if (evt.Subject is { } subject)
        {
            yield return ("Subject", subject);
        }

        if (evt.OccurredAt is { } at)
        {
            yield return ("Time", at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));
        }

        if (evt.Id is { } id)
        {
            yield return ("Event id", id);
        }
    }
}

/// <summary>The email settings of a destination (in its format settings).</summary>
internal sealed class EmailSettings
{
    public const int MaxRecipients = 50;
    public const string DefaultSubject = "${headline}";

    public string? From { get; private init; }

    public IReadOnlyList<string> To { get; private init; } = [];

    public IReadOnlyList<string> Cc { get; private init; } = [];

    public string Subject { get; private init; } = DefaultSubject;

    public string? Username { get; private init; }

    public string? AllowPlainTextText { get; private init; }

    public bool AllowPlainText => AllowPlainTextText is not null && bool.TryParse(AllowPlainTextText, out var on) && on;

    public string? CaCertificatePem { get; private init; }

    public static EmailSettings Read(IReadOnlyDictionary<string, string>? settings) => new()
    {
        From = Get(settings, "from")?.Trim(),
        To = List(Get(settings, "to")),
        Cc = List(Get(settings, "cc")),
        Subject = Get(settings, "subject") ?? DefaultSubject,
        Username = Get(settings, "username")?.Trim(),
        AllowPlainTextText = Get(settings, "allowPlainText")?.Trim(),
        CaCertificatePem = Get(settings, "caCertificate"),
    };

    public static EmailSettings Read(IDictionary<string, string>? settings)
        => Read(settings is null ? null : new Dictionary<string, string>(settings, StringComparer.OrdinalIgnoreCase) as IReadOnlyDictionary<string, string>);

    /// <summary>Parses one address (<c>a@b.example</c> or <c>Name &lt;a@b.example&gt;</c>); <see langword="null"/> when invalid.</summary>
    public static MailboxAddress? ParseAddress(string text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Contains('\r', StringComparison.Ordinal) || text.Contains('\n', StringComparison.Ordinal))
        {
            return null;
        }

        if (!MailboxAddress.TryParse(ParserOptions.Default, text, out var address))
        {
            return null;
        }

        var at = address.Address.LastIndexOf('@');
        return at > 0 && at < address.Address.Length - 1 && !address.Address.Contains(' ', StringComparison.Ordinal) ? address : null;
    }

    private static string[] List(string? text)
        => text is null ? [] : text.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string? Get(IReadOnlyDictionary<string, string>? settings, string name)
        => settings is not null && settings.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;
}

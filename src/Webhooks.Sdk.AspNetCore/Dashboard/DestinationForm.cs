using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Webhooks.Sdk.AspNetCore.Dashboard;

/// <summary>
/// The create/edit form as posted strings, and its conversion to and from the library's destination types. Secret
/// fields are never filled from a saved destination; an empty secret field keeps the saved secret on update.
/// </summary>
internal sealed class DestinationForm
{
    /// <summary>Auth kinds offered by the form, in display order.</summary>
    public static readonly (string Kind, string Label)[] AuthKinds =
    [
        (WebhookAuthKinds.None, "None"),
        (WebhookAuthKinds.HmacSignature, "HMAC signature"),
        (WebhookAuthKinds.Bearer, "Bearer token"),
        (WebhookAuthKinds.Basic, "Basic (username and password)"),
        (WebhookAuthKinds.SharedSecretHeader, "Shared secret in a header"),
        (WebhookAuthKinds.StaticHeaders, "Secret headers"),
        (WebhookAuthKinds.OAuth2ClientCredentials, "OAuth2 client credentials"),
        (WebhookAuthKinds.MutualTls, "Mutual TLS (client certificate)"),
    ];

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    /// <summary>Gets the subscriptions ticked or typed.</summary>
    public List<string> Subscriptions { get; } = [];

    /// <summary>Gets the errors by form field name.</summary>
    public Dictionary<string, List<string>> Errors { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the secret hints of the saved destination by form field name.</summary>
    public Dictionary<string, string> Hints { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets or sets the saved destination being edited, if any.</summary>
    public WebhookDestination? Saved { get; set; }

    /// <summary>Gets a value.</summary>
    public string this[string name]
    {
        get => _values.TryGetValue(name, out var v) ? v : string.Empty;
        set => _values[name] = value;
    }

    /// <summary>Gets the chosen auth kind.</summary>
    public string AuthKind => this["AuthKind"] is { Length: > 0 } k ? k : WebhookAuthKinds.None;

    /// <summary>Adds an error to a field.</summary>
    public void AddError(string field, string message)
    {
        if (!Errors.TryGetValue(field, out var list))
        {
            Errors[field] = list = [];
        }

        list.Add(message);
    }

    /// <summary>The form of a new destination.</summary>
    public static DestinationForm New() => new()
    {
        ["Method"] = "POST",
        ["Format"] = WebhookFormats.Json,
        ["AuthKind"] = WebhookAuthKinds.HmacSignature,
        ["Auth.hmac.Preset"] = nameof(WebhookSignaturePreset.StandardWebhooks),
        ["RetryCount"] = "3",
        ["TimeoutSeconds"] = "5",
        ["TextFormat"] = nameof(WebhookTextFormat.Markdown),
        ["Enabled"] = "true",
        ["Correlation.UpdateMethod"] = "PUT",
    };

    /// <summary>Reads a posted form. Secret fields are kept only to build the request, never rendered back.</summary>
    public static DestinationForm FromPost(IFormCollection posted)
    {
        var form = new DestinationForm();
        foreach (var (key, value) in posted)
        {
            if (key == "Subscriptions")
            {
                form.Subscriptions.AddRange(value.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim()));
            }
            else if (key != "__RequestVerificationToken")
            {
                form[key] = value.ToString();
            }
        }

        foreach (var extra in form["MoreSubscriptions"].Split([',', '\n', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!form.Subscriptions.Contains(extra, StringComparer.Ordinal))
            {
                form.Subscriptions.Add(extra);
            }
        }

        form["MoreSubscriptions"] = string.Empty;
        return form;
    }

    /// <summary>The form of a saved destination (secret fields empty, hints beside them).</summary>
    public static DestinationForm FromSaved(WebhookDestination d)
    {
        var form = new DestinationForm
        {
            Saved = d,
            ["Name"] = d.Name,
            ["Url"] = d.Url,
            ["Method"] = d.Method,
            ["Format"] = d.Format,
            ["AuthKind"] = d.Auth.Kind,
            ["Headers"] = string.Join("\n", d.Headers.Select(h => $"{h.Key}: {h.Value}")),
            ["RetryCount"] = d.RetryCount.ToString(CultureInfo.InvariantCulture),
            ["TimeoutSeconds"] = d.AttemptTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            ["RateLimitPerSecond"] = d.RateLimit?.PerSecond.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
            ["RateLimitBurst"] = d.RateLimit?.Burst.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
            ["TextFormat"] = d.TextFormat.ToString(),
            ["BodyTemplate"] = d.BodyTemplate ?? string.Empty,
            ["Correlation.IdPath"] = d.Correlation?.IdPath ?? string.Empty,
            ["Correlation.UpdateMethod"] = d.Correlation?.UpdateMethod ?? "PUT",
            ["Correlation.UpdateUrl"] = d.Correlation?.UpdateUrl ?? string.Empty,
            ["Correlation.UpdateBodyTemplate"] = d.Correlation?.UpdateBodyTemplate ?? string.Empty,
            ["OrderedDelivery"] = d.OrderedDelivery ? "true" : string.Empty,
            ["Enabled"] = d.Enabled ? "true" : string.Empty,
        };
        form.Subscriptions.AddRange(d.Subscriptions);
        form["FormatSettings"] = string.Join("\n", d.FormatSettings.Where(s => !IsHintValue(s.Value)).Select(s => $"{s.Key}={s.Value}"));
        foreach (var (key, value) in d.FormatSettings.Where(s => IsHintValue(s.Value)))
        {
            form.Hints["FormatSecret." + key] = value;
        }

        var prefix = "Auth." + d.Auth.Kind + ".";
        foreach (var (key, value) in d.Auth.Settings)
        {
            form[prefix + Capitalize(key)] = value;
        }

        foreach (var (key, value) in d.Auth.SecretHints)
        {
            form.Hints[prefix + Capitalize(key)] = value;
        }

        if (d.Auth.Kind == WebhookAuthKinds.StaticHeaders)
        {
            // One "Name:" line per saved header: an empty value keeps the saved one.
            form[prefix + "Headers"] = string.Join("\n", d.Auth.SecretHints.Keys.Select(k => k + ":"));
            form.Hints[prefix + "Headers"] = string.Join("; ", d.Auth.SecretHints.Select(h => h.Key + " " + h.Value));
        }

        return form;
    }

    /// <summary>Builds a definition for create or a draft test; unparsable numbers become values the library rejects.</summary>
    public WebhookDestinationDefinition ToDefinition(IReadOnlyCollection<string> secretSettings)
    {
        var definition = new WebhookDestinationDefinition
        {
            Name = this["Name"].Trim(),
            Url = this["Url"].Trim(),
            Method = this["Method"] is { Length: > 0 } m ? m : "POST",
            Format = this["Format"] is { Length: > 0 } f ? f : WebhookFormats.Json,
            Enabled = this["Enabled"] == "true",
            Auth = BuildAuth(),
            Headers = ParseHeaders("Headers"),
            Subscriptions = Subscriptions.ToList(),
            RetryCount = ParseInt("RetryCount", -1) ?? 3,
            AttemptTimeout = TimeSpan.FromSeconds(ParseDouble("TimeoutSeconds", 0) ?? 5),
            RateLimit = BuildRateLimit(),
            FormatSettings = BuildFormatSettings(secretSettings),
            TextFormat = Enum.TryParse<WebhookTextFormat>(this["TextFormat"], out var tf) ? tf : WebhookTextFormat.Markdown,
            BodyTemplate = this["BodyTemplate"] is { Length: > 0 } t ? t : null,
            Correlation = BuildCorrelation(),
            OrderedDelivery = this["OrderedDelivery"] == "true",
        };
        return definition;
    }

    /// <summary>Builds a full update from the form: empty secrets keep the saved ones.</summary>
    public WebhookDestinationUpdate ToUpdate(IReadOnlyCollection<string> secretSettings)
    {
        var d = ToDefinition(secretSettings);
        return new WebhookDestinationUpdate
        {
            Name = d.Name,
            Url = d.Url,
            Method = d.Method,
            Format = d.Format,
            Auth = d.Auth ?? NoWebhookAuth.Instance,
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
        };
    }

    /// <summary>Places the library's validation errors next to the form fields they concern.</summary>
    public void AddLibraryErrors(IEnumerable<WebhookValidationError> errors, IReadOnlyCollection<string> secretSettings)
    {
        foreach (var error in errors)
        {
            var field = MapField(error.Field, secretSettings);
            if (Errors.TryGetValue(field, out var existing) && existing.Count > 0 && ParseErrorFields.Contains(field))
            {
                continue; // the form's own "not a number" message explains it better
            }

            AddError(field, error.Message);
        }
    }

    private readonly HashSet<string> ParseErrorFields = new(StringComparer.Ordinal);

    private string MapField(string field, IReadOnlyCollection<string> secretSettings)
    {
        if (field.StartsWith("Auth.", StringComparison.Ordinal))
        {
            var rest = field["Auth.".Length..];
            var dot = rest.IndexOfAny(['.', '[']);
            return "Auth." + AuthKind + "." + (dot < 0 ? rest : rest[..dot]);
        }

        if (field == "Auth")
        {
            return "AuthKind";
        }

        if (field.StartsWith("FormatSettings.", StringComparison.Ordinal))
        {
            var key = field["FormatSettings.".Length..];
            return secretSettings.Contains(key, StringComparer.OrdinalIgnoreCase) ? "FormatSecret." + key : "FormatSettings";
        }

        if (field.StartsWith("Headers", StringComparison.Ordinal))
        {
            return "Headers";
        }

        if (field.StartsWith("Subscriptions", StringComparison.Ordinal))
        {
            return "Subscriptions";
        }

        return field switch
        {
            "RateLimit.PerSecond" or "RateLimit" => "RateLimitPerSecond",
            "RateLimit.Burst" => "RateLimitBurst",
            "AttemptTimeout" => "TimeoutSeconds",
            "Correlation" => "Correlation.UpdateUrl",
            _ => field,
        };
    }

    private WebhookAuth? BuildAuth()
    {
        var p = "Auth." + AuthKind + ".";
        string? Secret(string name) => this[p + name] is { Length: > 0 } s ? s : null;
        switch (AuthKind)
        {
            case WebhookAuthKinds.None:
                return NoWebhookAuth.Instance;
            case WebhookAuthKinds.Basic:
                return new BasicWebhookAuth { Username = this[p + "Username"].Trim(), Password = Secret("Password") };
            case WebhookAuthKinds.Bearer:
                return new BearerTokenWebhookAuth { Token = Secret("Token") };
            case WebhookAuthKinds.SharedSecretHeader:
                return new SharedSecretHeaderWebhookAuth { HeaderName = this[p + "HeaderName"].Trim(), Secret = Secret("Secret") };
            case WebhookAuthKinds.StaticHeaders:
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var line in Lines(this[p + "Headers"]))
                {
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    var name = (colon < 0 ? line : line[..colon]).Trim();
                    headers[name] = colon < 0 ? string.Empty : line[(colon + 1)..].Trim();
                }

                return new StaticHeadersWebhookAuth { Headers = headers };
            case WebhookAuthKinds.HmacSignature:
                var hmac = new HmacSignatureWebhookAuth
                {
                    Preset = Enum.TryParse<WebhookSignaturePreset>(this[p + "Preset"], out var preset) ? preset : WebhookSignaturePreset.StandardWebhooks,
                    Secret = Secret("Secret"),
                };
                if (hmac.Preset == WebhookSignaturePreset.Custom)
                {
                    hmac.HeaderName = this[p + "HeaderName"] is { Length: > 0 } h ? h.Trim() : hmac.HeaderName;
                    hmac.Prefix = this[p + "Prefix"] is { Length: > 0 } prefix ? prefix : null;
                    hmac.Encoding = Enum.TryParse<WebhookSignatureEncoding>(this[p + "Encoding"], out var e) ? e : WebhookSignatureEncoding.Hex;
                    hmac.Algorithm = Enum.TryParse<WebhookSignatureAlgorithm>(this[p + "Algorithm"], out var a) ? a : WebhookSignatureAlgorithm.Sha256;
                    hmac.SignedContent = Enum.TryParse<WebhookSignedContent>(this[p + "SignedContent"], out var c) ? c : WebhookSignedContent.Body;
                }

                return hmac;
            case WebhookAuthKinds.OAuth2ClientCredentials:
                return new OAuth2ClientCredentialsWebhookAuth
                {
                    TokenEndpoint = this[p + "TokenEndpoint"].Trim(),
                    ClientId = this[p + "ClientId"].Trim(),
                    ClientSecret = Secret("ClientSecret"),
                    Scope = this[p + "Scope"] is { Length: > 0 } s ? s.Trim() : null,
                    Audience = this[p + "Audience"] is { Length: > 0 } au ? au.Trim() : null,
                    SendCredentialsInBody = this[p + "SendCredentialsInBody"] == "true",
                };
            case WebhookAuthKinds.MutualTls:
                return new MutualTlsWebhookAuth
                {
                    CertificatePem = this[p + "CertificatePem"] is { Length: > 0 } cert ? cert : null,
                    PrivateKeyPem = Secret("PrivateKeyPem"),
                    Pfx = Secret("Pfx"),
                    Password = Secret("Password"),
                    TrustedServerCertificateAuthorityPem = this[p + "TrustedServerCertificateAuthorityPem"] is { Length: > 0 } ca ? ca : null,
                };
            default:
                AddError("AuthKind", "is not a known authentication method");
                return NoWebhookAuth.Instance;
        }
    }

    private Dictionary<string, string> BuildFormatSettings(IReadOnlyCollection<string> secretSettings)
    {
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in Lines(this["FormatSettings"]))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                AddError("FormatSettings", $"line '{line}' is not key=value");
                continue;
            }

            settings[line[..eq].Trim()] = line[(eq + 1)..].Trim();
        }

        foreach (var key in secretSettings)
        {
            if (this["FormatSecret." + key] is { Length: > 0 } value)
            {
                settings[key] = value;
            }
        }

        return settings;
    }

    private Dictionary<string, string> ParseHeaders(string field)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in Lines(this[field]))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                AddError(field, $"line '{line}' is not 'Name: value'");
                continue;
            }

            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        return headers;
    }

    private WebhookRateLimit? BuildRateLimit()
    {
        if (this["RateLimitPerSecond"].Length == 0 && this["RateLimitBurst"].Length == 0)
        {
            return null;
        }

        var perSecond = ParseDouble("RateLimitPerSecond", 0) ?? 0;
        var burst = this["RateLimitBurst"].Length == 0 ? 1 : ParseInt("RateLimitBurst", 0) ?? 1;
        return new WebhookRateLimit(perSecond, burst);
    }

    private WebhookCorrelationSettings? BuildCorrelation()
    {
        if (this["Correlation.IdPath"].Length == 0 && this["Correlation.UpdateUrl"].Length == 0)
        {
            return null;
        }

        return new WebhookCorrelationSettings
        {
            IdPath = this["Correlation.IdPath"].Trim(),
            UpdateMethod = this["Correlation.UpdateMethod"] is { Length: > 0 } m ? m : "PUT",
            UpdateUrl = this["Correlation.UpdateUrl"].Trim(),
            UpdateBodyTemplate = this["Correlation.UpdateBodyTemplate"] is { Length: > 0 } b ? b : null,
        };
    }

    private int? ParseInt(string field, int rejected)
    {
        if (int.TryParse(this[field], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        if (this[field].Length == 0)
        {
            return null;
        }

        AddError(field, "must be a whole number");
        ParseErrorFields.Add(field);
        return rejected;
    }

    private double? ParseDouble(string field, double rejected)
    {
        if (double.TryParse(this[field], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        if (this[field].Length == 0)
        {
            return null;
        }

        AddError(field, "must be a number");
        ParseErrorFields.Add(field);
        return rejected;
    }

    private static string[] Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool IsHintValue(string value) => value == "set" || value.StartsWith("set (", StringComparison.Ordinal);

    private static string Capitalize(string key) => key.Length == 0 ? key : char.ToUpperInvariant(key[0]) + key[1..];
}

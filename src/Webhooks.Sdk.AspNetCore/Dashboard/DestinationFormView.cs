using System.Text.Json;

namespace Webhooks.Sdk.AspNetCore.Dashboard;

/// <summary>Renders the create/edit page (and, for readers, the same destination without any control).</summary>
internal static class DestinationFormView
{
    private static readonly (string Value, string Label)[] Presets =
    [
        (nameof(WebhookSignaturePreset.StandardWebhooks), "Standard Webhooks"),
        (nameof(WebhookSignaturePreset.GitHub), "GitHub (X-Hub-Signature-256)"),
        (nameof(WebhookSignaturePreset.Stripe), "Stripe (Stripe-Signature)"),
        (nameof(WebhookSignaturePreset.Custom), "Custom header"),
    ];

    public static Html Render(DashboardPage page, DestinationForm form, IReadOnlyList<IWebhookFormatter> formats, IReadOnlyList<EventTypeDefinition> catalog, string? notice, TestOutcome? test, string basePath)
    {
        var w = new HtmlWriter();
        var saved = form.Saved;
        w.W($"<p class=\"crumbs\"><a href=\"{page.Link("destinations")}\">Destinations</a></p>");
        w.W($"<h1>{(saved is null ? "New destination" : saved.Name)}</h1>");
        if (notice is not null)
        {
            w.W($"<p class=\"notice\" role=\"status\">{notice}</p>");
        }

        if (saved is not null)
        {
            var self = basePath + DashboardPage.Seg(saved.Id);
            w.W($"<div class=\"actions\"><a class=\"button\" href=\"{self}/deliveries\">Delivery history</a>");
            if (page.CanWrite)
            {
                w.W($"""
                    <form method="post" action="{self}/{(saved.Enabled ? "disable" : "enable")}" class="inline">{page.Antiforgery()}<input type="hidden" name="back" value="detail">
                    <button type="submit" class="switch" role="switch" aria-checked="{(saved.Enabled ? "true" : "false")}" aria-label="Enabled: {saved.Name}"><span aria-hidden="true" class="knob"></span>{(saved.Enabled ? "On" : "Off")}</button></form>
                    <form method="post" action="{self}/test" class="inline" data-fragment="test">{page.Antiforgery()}<button type="submit">Send a test</button></form>
                    <a class="button danger" href="{self}/delete">Delete…</a>
                    """);
            }

            w.W($"</div>");
            w.W($"<dl class=\"health\"><div><dt>Last success</dt><dd>{DashboardPage.Time(saved.LastSuccessAt)}</dd></div><div><dt>Last failure</dt><dd>{DashboardPage.Time(saved.LastFailureAt)}</dd></div><div><dt>Consecutive failures</dt><dd>{saved.ConsecutiveFailures}</dd></div>");
            if (saved.DisabledReason is { } reason)
            {
                w.W($"<div><dt>Disabled because</dt><dd>{reason}</dd></div>");
            }

            w.W($"</dl>");
        }

        w.W($"<div id=\"test-result\" aria-live=\"polite\">{(test is null ? Html.Raw(string.Empty) : TestResultView.Render(test))}</div>");
        if (!page.CanWrite)
        {
            return w.W($"{ReadOnly(saved!)}").ToHtml();
        }

        if (form.Errors.Count > 0)
        {
            w.W($"<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" id=\"error-summary\"><h2>Please correct {form.Errors.Sum(e => e.Value.Count)} problem{(form.Errors.Sum(e => e.Value.Count) == 1 ? string.Empty : "s")}</h2><ul>");
            foreach (var (field, messages) in form.Errors)
            {
                foreach (var message in messages)
                {
                    w.W($"<li><a href=\"#{Id(field)}\">{Label(field)} {message}</a></li>");
                }
            }

            w.W($"</ul></div>");
        }

        var action = saved is null ? "new" : basePath + DashboardPage.Seg(saved.Id);
        w.W($"<form method=\"post\" action=\"{action}\" novalidate class=\"destination\">{page.Antiforgery()}");
        if (saved is not null)
        {
            // The version the user is editing: a save over someone else's newer change is refused.
            w.W($"<input type=\"hidden\" name=\"Version\" value=\"{saved.Version}\">");
        }


        w.W($"<fieldset><legend>Destination</legend>");
        Input(w, form, "Name", "Name", required: true);
        Input(w, form, "Url", "URL", type: "url", required: true, help: "The full address deliveries are posted to. Lists show only its host.");
        Select(w, form, "Method", "HTTP method", [("POST", "POST"), ("PUT", "PUT")]);
        if (saved is null)
        {
            Checkbox(w, form, "Enabled", "Enabled (receives deliveries)");
        }

        w.W($"</fieldset>");

        w.W($"<fieldset><legend>Format</legend>");
        Select(w, form, "Format", "Format", formats.Select(f => (f.Name, f.Name)).OrderBy(f => f.Item1, StringComparer.Ordinal).ToArray());
        Select(w, form, "TextFormat", "Text format of titles and summaries", [("Markdown", "Markdown"), ("PlainText", "Plain text"), ("Html", "HTML")]);
        TextArea(w, form, "FormatSettings", "Format settings", help: "One key=value per line; see the format's documentation.");
        foreach (var formatter in formats.Where(f => f.SecretSettings.Count > 0))
        {
            w.W($"<fieldset class=\"sub\" data-format=\"{formatter.Name}\"><legend>Secret settings of the {formatter.Name} format</legend>");
            foreach (var key in formatter.SecretSettings)
            {
                Secret(w, form, "FormatSecret." + key, key);
            }

            w.W($"</fieldset>");
        }

        w.W($"</fieldset>");

        w.W($"<fieldset><legend>Authentication</legend>");
        Select(w, form, "AuthKind", "Authentication method", DestinationForm.AuthKinds.Select(k => (k.Kind, k.Label)).ToArray(), help: "Only the fields of the chosen method are used.");
        AuthGroup(w, form, WebhookAuthKinds.HmacSignature, "HMAC signature", () =>
        {
            Select(w, form, "Auth.hmac.Preset", "Signature style", Presets);
            Secret(w, form, "Auth.hmac.Secret", "Signing secret", help: "Standard Webhooks needs whsec_ followed by base64; other styles take any text of 16 characters or more.");
            Input(w, form, "Auth.hmac.HeaderName", "Header (custom style)", placeholder: "X-Webhook-Signature");
            Input(w, form, "Auth.hmac.Prefix", "Prefix (custom style)", placeholder: "sha256=");
            Select(w, form, "Auth.hmac.Encoding", "Encoding (custom style)", [("Hex", "Hex"), ("Base64", "Base64")]);
            Select(w, form, "Auth.hmac.Algorithm", "Hash (custom style)", [("Sha256", "SHA-256"), ("Sha512", "SHA-512")]);
            Select(w, form, "Auth.hmac.SignedContent", "Signed content (custom style)", [("Body", "Body"), ("TimestampAndBody", "Timestamp and body")]);
        });
        AuthGroup(w, form, WebhookAuthKinds.Bearer, "Bearer token", () => Secret(w, form, "Auth.bearer.Token", "Token"));
        AuthGroup(w, form, WebhookAuthKinds.Basic, "Basic", () =>
        {
            Input(w, form, "Auth.basic.Username", "Username", autocomplete: "off");
            Secret(w, form, "Auth.basic.Password", "Password");
        });
        AuthGroup(w, form, WebhookAuthKinds.SharedSecretHeader, "Shared secret in a header", () =>
        {
            Input(w, form, "Auth.shared-secret-header.HeaderName", "Header name", placeholder: "X-Webhook-Secret");
            Secret(w, form, "Auth.shared-secret-header.Secret", "Secret");
        });
        AuthGroup(w, form, WebhookAuthKinds.StaticHeaders, "Secret headers", () =>
            TextArea(w, form, "Auth.static-headers.Headers", "Headers", help: "One 'Name: value' per line. A saved header written as 'Name:' keeps its value; a header left out is removed.", secret: true));
        AuthGroup(w, form, WebhookAuthKinds.OAuth2ClientCredentials, "OAuth2 client credentials", () =>
        {
            Input(w, form, "Auth.oauth2-client-credentials.TokenEndpoint", "Token endpoint", type: "url");
            Input(w, form, "Auth.oauth2-client-credentials.ClientId", "Client id", autocomplete: "off");
            Secret(w, form, "Auth.oauth2-client-credentials.ClientSecret", "Client secret");
            Input(w, form, "Auth.oauth2-client-credentials.Scope", "Scope");
            Input(w, form, "Auth.oauth2-client-credentials.Audience", "Audience");
            Checkbox(w, form, "Auth.oauth2-client-credentials.SendCredentialsInBody", "Send the credentials in the form body (client_secret_post)");
        });
        AuthGroup(w, form, WebhookAuthKinds.MutualTls, "Mutual TLS", () =>
        {
            TextArea(w, form, "Auth.mtls.CertificatePem", "Client certificate (PEM)");
            Secret(w, form, "Auth.mtls.PrivateKeyPem", "Private key (PEM)");
            Secret(w, form, "Auth.mtls.Pfx", "Or a PFX file as base64");
            Secret(w, form, "Auth.mtls.Password", "Key or PFX password");
            TextArea(w, form, "Auth.mtls.TrustedServerCertificateAuthorityPem", "Trusted server CA (PEM)");
        });
        w.W($"</fieldset>");

        w.W($"<fieldset><legend>Subscriptions</legend>{Errors(form, "Subscriptions")}<p class=\"hint\" id=\"h-Subscriptions\">None ticked means the application's default subscriptions.</p><ul class=\"checks\">");
        var i = 0;
        foreach (var type in catalog)
        {
            var id = "f-sub-" + i++;
            var ticked = form.Subscriptions.Contains(type.Name, StringComparer.Ordinal) ? Html.Raw(" checked") : Html.Raw(string.Empty);
            w.W($"<li><input type=\"checkbox\" id=\"{id}\" name=\"Subscriptions\" value=\"{type.Name}\"{ticked}> <label for=\"{id}\"><code>{type.Name}</code>{(type.Description is { } d ? " — " + d : string.Empty)}</label></li>");
        }

        w.W($"</ul>");
        var others = form.Subscriptions.Where(s => !catalog.Any(t => t.Name == s)).ToList();
        form["MoreSubscriptions"] = string.Join(", ", others);
        Input(w, form, "MoreSubscriptions", "Other patterns", help: "Comma separated: exact names, prefixes such as scan.*, or *.");
        w.W($"</fieldset>");

        w.W($"<fieldset><legend>Delivery</legend><div class=\"grid\">");
        Input(w, form, "RetryCount", "Retries (0 to 10)", type: "number", inputMode: "numeric");
        Input(w, form, "TimeoutSeconds", "Timeout per attempt, seconds (1 to 30)", type: "number", inputMode: "decimal");
        Input(w, form, "RateLimitPerSecond", "Rate limit, per second (empty: none)", type: "number", inputMode: "decimal");
        Input(w, form, "RateLimitBurst", "Rate limit burst", type: "number", inputMode: "numeric");
        w.W($"</div>");
        TextArea(w, form, "Headers", "Custom headers", help: "One 'Name: value' per line (not for secrets: use the Secret headers method).");
        Checkbox(w, form, "OrderedDelivery", "Deliver events with the same correlation key one at a time, in order");
        w.W($"</fieldset>");

        w.W($"<fieldset><legend>Body template</legend><div class=\"grid\">");
        Select(w, form, "Template", "Start from template", WebhookTemplates.BuiltIn.Select(t => (t.Key, t.Key)).Prepend((string.Empty, "Choose…")).ToArray(), optionData: WebhookTemplates.BuiltIn);
        w.W($"<div class=\"field end\"><button type=\"submit\" name=\"action\" value=\"template\" data-template-apply>Use template</button></div></div>");
        TextArea(w, form, "BodyTemplate", "Body template", help: "Empty uses the format's own body. Variables: ${id}, ${type}, ${data.path}, ${field:default}.", rows: 6);
        w.W($"</fieldset>");

        w.W($"<fieldset><legend>Create, then update (correlation)</legend>");
        Input(w, form, "Correlation.IdPath", "Id path in the create response", placeholder: "result.sys_id");
        Select(w, form, "Correlation.UpdateMethod", "Update method", [("PUT", "PUT"), ("PATCH", "PATCH")]);
        Input(w, form, "Correlation.UpdateUrl", "Update URL template", placeholder: "https://…/items/${correlationId}");
        TextArea(w, form, "Correlation.UpdateBodyTemplate", "Update body template");
        w.W($"</fieldset>");

        w.W($"<div class=\"actions sticky\">{Errors(form, "action")}<button type=\"submit\" name=\"action\" value=\"save\" class=\"primary\">{(saved is null ? "Create destination" : "Save changes")}</button>");
        if (saved is null)
        {
            w.W($"<button type=\"submit\" name=\"action\" value=\"test\" data-fragment=\"test\">Test without saving</button>");
        }

        w.W($"</div></form>");
        if (saved is null)
        {
            w.W($"<p class=\"hint\">Secrets are never sent back to the browser: after a failed save, enter them again.</p>");
        }

        return w.ToHtml();
    }

    private static Html ReadOnly(WebhookDestination d)
    {
        var w = new HtmlWriter();
        w.W($"<dl class=\"summary\">");
        void Row(string label, string? value) => w.W($"<div><dt>{label}</dt><dd>{value ?? "—"}</dd></div>");
        Row("Host", DashboardPage.HostOf(d.Url));
        Row("Enabled", d.Enabled ? "Yes" : "No");
        Row("Method", d.Method);
        Row("Format", d.Format);
        Row("Authentication", d.Auth.Kind);
        foreach (var (key, value) in d.Auth.Settings)
        {
            Row("Authentication " + key, value);
        }

        foreach (var (key, value) in d.Auth.SecretHints)
        {
            Row(key, value);
        }

        Row("Subscriptions", d.Subscriptions.Count == 0 ? "(default)" : string.Join(", ", d.Subscriptions));
        Row("Retries", d.RetryCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Row("Timeout", DashboardPage.Ms(d.AttemptTimeout));
        Row("Custom headers", d.Headers.Count == 0 ? null : string.Join(", ", d.Headers.Keys));
        w.W($"</dl>");
        return w.ToHtml();
    }

    private static void AuthGroup(HtmlWriter w, DestinationForm form, string kind, string title, Action body)
    {
        w.W($"<fieldset class=\"sub\" data-auth=\"{kind}\"><legend>{title}</legend>");
        body();
        w.W($"</fieldset>");
        _ = form;
    }

    private static string Id(string field) => "f-" + field.Replace('.', '-');

    private static string Label(string field) => field switch
    {
        "Url" => "URL",
        "TimeoutSeconds" => "Timeout",
        "RetryCount" => "Retries",
        "AuthKind" => "Authentication",
        "action" => "Form:",
        _ => field.Contains('.', StringComparison.Ordinal) ? field[(field.LastIndexOf('.') + 1)..] : field,
    };

    private static Html Described(DestinationForm form, string field, bool hasHelp)
    {
        var ids = new List<string>();
        if (hasHelp)
        {
            ids.Add("h-" + Id(field));
        }

        if (form.Errors.ContainsKey(field))
        {
            ids.Add("e-" + Id(field));
        }

        var w = new HtmlWriter();
        if (ids.Count > 0)
        {
            w.W($" aria-describedby=\"{string.Join(' ', ids)}\"");
        }

        if (form.Errors.ContainsKey(field))
        {
            w.W($" aria-invalid=\"true\"");
        }

        return w.ToHtml();
    }

    private static Html Errors(DestinationForm form, string field)
    {
        if (!form.Errors.TryGetValue(field, out var messages))
        {
            return Html.Raw(string.Empty);
        }

        return new HtmlWriter().W($"<p class=\"error\" id=\"e-{Id(field)}\">{string.Join(" ", messages.Select(m => Label(field) + " " + m + "."))}</p>").ToHtml();
    }

    private static Html Help(string field, string? help) =>
        help is null ? Html.Raw(string.Empty) : new HtmlWriter().W($"<p class=\"hint\" id=\"h-{Id(field)}\">{help}</p>").ToHtml();

    private static void Input(HtmlWriter w, DestinationForm form, string field, string label, string type = "text", bool required = false, string? help = null, string? placeholder = null, string? autocomplete = null, string? inputMode = null)
    {
        var extra = new HtmlWriter();
        if (required)
        {
            extra.W($" required aria-required=\"true\"");
        }

        if (placeholder is not null)
        {
            extra.W($" placeholder=\"{placeholder}\"");
        }

        if (autocomplete is not null)
        {
            extra.W($" autocomplete=\"{autocomplete}\"");
        }

        if (inputMode is not null)
        {
            extra.W($" inputmode=\"{inputMode}\"");
        }

        var inputType = type == "number" ? "text" : type; // free text, validated on the server with every other field
        w.W($"<div class=\"field\"><label for=\"{Id(field)}\">{label}</label>{Help(field, help)}{Errors(form, field)}<input id=\"{Id(field)}\" name=\"{field}\" type=\"{inputType}\" value=\"{form[field]}\"{extra.ToHtml()}{Described(form, field, help is not null)}></div>");
    }

    private static void Secret(HtmlWriter w, DestinationForm form, string field, string label, string? help = null)
    {
        var hint = form.Hints.TryGetValue(field, out var h) ? h : null;
        var text = hint is null ? help : $"Saved: {hint}. Enter a new value to replace it; leave empty to keep it." + (help is null ? string.Empty : " " + help);

        // The value is never written back: a secret is sent to the server and never returned.
        w.W($"<div class=\"field\"><label for=\"{Id(field)}\">{label}</label>{Help(field, text)}{Errors(form, field)}<input id=\"{Id(field)}\" name=\"{field}\" type=\"password\" value=\"\" autocomplete=\"new-password\"{Described(form, field, text is not null)}></div>");
    }

    private static void TextArea(HtmlWriter w, DestinationForm form, string field, string label, string? help = null, bool secret = false, int rows = 3)
    {
        var text = help;
        if (secret && form.Hints.TryGetValue(field, out var hint))
        {
            text = $"Saved: {hint}. " + help;
        }

        w.W($"<div class=\"field\"><label for=\"{Id(field)}\">{label}</label>{Help(field, text)}{Errors(form, field)}<textarea id=\"{Id(field)}\" name=\"{field}\" rows=\"{rows}\" spellcheck=\"false\"{Described(form, field, text is not null)}>{(secret ? SafeStaticHeaders(form[field]) : form[field])}</textarea></div>");
    }

    /// <summary>Writes back only header names of a secret-header text (values are secrets).</summary>
    private static string SafeStaticHeaders(string text) =>
        string.Join("\n", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Contains(':', StringComparison.Ordinal) ? line[..line.IndexOf(':', StringComparison.Ordinal)] + ":" : line + ":"));

    private static void Select(HtmlWriter w, DestinationForm form, string field, string label, (string Value, string Label)[] options, string? help = null, IReadOnlyDictionary<string, string>? optionData = null)
    {
        w.W($"<div class=\"field\"><label for=\"{Id(field)}\">{label}</label>{Help(field, help)}{Errors(form, field)}<select id=\"{Id(field)}\" name=\"{field}\"{Described(form, field, help is not null)}>");
        foreach (var (value, text) in options)
        {
            var selected = value == form[field] ? Html.Raw(" selected") : Html.Raw(string.Empty);
            var data = optionData is not null && optionData.TryGetValue(value, out var body) ? new HtmlWriter().W($" data-body=\"{body}\"").ToHtml() : Html.Raw(string.Empty);
            w.W($"<option value=\"{value}\"{selected}{data}>{text}</option>");
        }

        w.W($"</select></div>");
    }

    private static void Checkbox(HtmlWriter w, DestinationForm form, string field, string label)
    {
        var ticked = form[field] == "true" ? Html.Raw(" checked") : Html.Raw(string.Empty);
        w.W($"<div class=\"field check\"><input id=\"{Id(field)}\" name=\"{field}\" type=\"checkbox\" value=\"true\"{ticked}> <label for=\"{Id(field)}\">{label}</label>{Errors(form, field)}</div>");
    }
}

/// <summary>Renders a test delivery's outcome.</summary>
internal static class TestResultView
{
    public static Html Render(TestOutcome outcome)
    {
        var w = new HtmlWriter();
        if (outcome.Result is not { } r)
        {
            return w.W($"<div class=\"result bad\" role=\"status\"><h2>Test not sent</h2><p>{outcome.Refusal}</p></div>").ToHtml();
        }

        var headline = r.Success ? "Test delivered" : "Test failed";
        w.W($"<div class=\"result {(r.Success ? "ok" : "bad")}\" role=\"status\"><h2>{headline}</h2><p>");
        w.W($"{(r.StatusCode is { } code ? $"HTTP {code}" : "No HTTP answer")} in {DashboardPage.Ms(r.Duration)}.");
        if (r.Error is { } error)
        {
            w.W($" {error}");
        }

        w.W($"</p>");
        if (!string.IsNullOrEmpty(r.ResponseExcerpt))
        {
            w.W($"<p>The receiver answered:</p><pre class=\"excerpt\">{r.ResponseExcerpt}</pre>");
        }

        return w.W($"</div>").ToHtml();
    }
}

/// <summary>The send form's values.</summary>
internal sealed class SendForm
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public string Type { get; set; } = string.Empty;

    public string Data { get; set; } = "{}";

    public string Title { get; set; } = string.Empty;

    public List<string> DestinationIds { get; set; } = [];

    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);
}

/// <summary>Renders the page that sends one event to chosen destinations.</summary>
internal static class SendView
{
    public static Html Render(DashboardPage page, SendForm form, IReadOnlyList<WebhookDestination> destinations, IReadOnlyList<EventTypeDefinition> catalog, PublishResult? result)
    {
        var w = new HtmlWriter();
        w.W($"<h1>Send an event</h1>");
        if (result is not null)
        {
            w.W($"<div class=\"result ok\" role=\"status\"><h2>Accepted for delivery</h2><p>Event <code>{result.EventId}</code> was queued for {result.Deliveries.Count} destination{(result.Deliveries.Count == 1 ? string.Empty : "s")}. Acceptance is not delivery: follow it in the history.</p><ul>");
            foreach (var queued in result.Deliveries)
            {
                var name = destinations.FirstOrDefault(d => d.Id == queued.DestinationId)?.Name ?? queued.DestinationId;
                w.W($"<li><a href=\"{page.Link("destinations/" + DashboardPage.Seg(queued.DestinationId) + "/deliveries")}#d-{queued.DeliveryId}\">Deliveries of {name}</a></li>");
            }

            w.W($"</ul></div>");
        }

        if (form.Errors.Count > 0)
        {
            w.W($"<div class=\"error-summary\" role=\"alert\"><h2>Not sent</h2><ul>");
            foreach (var (field, message) in form.Errors)
            {
                w.W($"<li><a href=\"#f-{field}\">{field} {message}</a></li>");
            }

            w.W($"</ul></div>");
        }

        w.W($"<form method=\"post\" action=\"send\" novalidate>{page.Antiforgery()}");
        w.W($"<div class=\"grid\"><div class=\"field\"><label for=\"f-Type\">Event type</label>{Error(form, "Type")}<select id=\"f-Type\" name=\"Type\"{Invalid(form, "Type")}>");
        foreach (var type in catalog)
        {
            var example = type.Example is { } e ? JsonSerializer.Serialize(e, SendForm.Indented) : "{}";
            w.W($"<option value=\"{type.Name}\" data-example=\"{example}\"{(type.Name == form.Type ? Html.Raw(" selected") : Html.Raw(string.Empty))}>{type.Name}</option>");
        }

        if (catalog.Count == 0 || !catalog.Any(t => t.Name == form.Type))
        {
            w.W($"<option value=\"{form.Type}\" selected>{(form.Type.Length == 0 ? "(none declared)" : form.Type)}</option>");
        }

        w.W($"</select><p class=\"hint\">Choosing a type loads its example. Without script, start from a type on the <a href=\"event-types\">Event types</a> page.</p></div></div>");
        w.W($"<div class=\"field\"><label for=\"f-Title\">Title (optional)</label><input id=\"f-Title\" name=\"Title\" value=\"{form.Title}\"></div>");
        w.W($"<div class=\"field\"><label for=\"f-Data\">Payload (JSON)</label>{Error(form, "Data")}<textarea id=\"f-Data\" name=\"Data\" rows=\"10\" spellcheck=\"false\"{Invalid(form, "Data")}>{form.Data}</textarea></div>");
        w.W($"<fieldset id=\"f-DestinationIds\"><legend>Destinations</legend>{Error(form, "DestinationIds")}<ul class=\"checks\">");
        var i = 0;
        foreach (var d in destinations)
        {
            var id = "f-dest-" + i++;
            var ticked = form.DestinationIds.Contains(d.Id, StringComparer.Ordinal) ? Html.Raw(" checked") : Html.Raw(string.Empty);
            var disabled = d.Enabled ? Html.Raw(string.Empty) : Html.Raw(" disabled");
            w.W($"<li><input type=\"checkbox\" id=\"{id}\" name=\"DestinationIds\" value=\"{d.Id}\"{ticked}{disabled}> <label for=\"{id}\">{d.Name} <span class=\"muted\">({DashboardPage.HostOf(d.Url)}{(d.Enabled ? string.Empty : ", off")})</span></label></li>");
        }

        if (destinations.Count == 0)
        {
            w.W($"<li>No destinations yet.</li>");
        }

        w.W($"</ul></fieldset><div class=\"actions\"><button type=\"submit\" class=\"primary\">Send</button></div></form>");
        return w.ToHtml();
    }

    private static Html Error(SendForm form, string field) =>
        form.Errors.TryGetValue(field, out var message) ? new HtmlWriter().W($"<p class=\"error\" id=\"e-{field}\">{field} {message}.</p>").ToHtml() : Html.Raw(string.Empty);

    private static Html Invalid(SendForm form, string field) =>
        form.Errors.ContainsKey(field) ? Html.Raw($" aria-invalid=\"true\" aria-describedby=\"e-{field}\"") : Html.Raw(string.Empty);
}

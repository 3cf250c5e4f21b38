using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Webhooks.Sdk.AspNetCore.Dashboard;

/// <summary>The dashboard's request handlers. Each page is rendered on the server; forms post back and redirect (or re-render on errors).</summary>
internal sealed class DashboardHandlers
{
    private const int RetryingScanPages = 10;

    private const string ChangedMeanwhile = "the destination was changed by someone else since this page was opened; nothing was saved. The form now shows your values; compare with the saved destination (reload) before saving again.";
    private const int HistoryPageSize = 50;

    /// <summary>The strict policy: nothing but this origin's own script, style and images; no framing.</summary>
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'";

    private static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["created"] = "The destination was created.",
        ["saved"] = "The changes were saved.",
        ["enabled"] = "The destination was turned on; its failure count was reset.",
        ["disabled"] = "The destination was turned off.",
        ["deleted"] = "The destination was deleted.",
        ["redelivered"] = "The delivery was queued once more.",
        ["replayed"] = "The failed deliveries were queued once more.",
    };

    private readonly WebhooksEndpointOptions _options;

    public DashboardHandlers(WebhooksEndpointOptions options) => _options = options;

    /// <summary>Adds the security headers every dashboard response carries.</summary>
    public static void AddSecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.CacheControl = "no-store";
    }

    // ---------------------------------------------------------------- overview

    public async Task<IResult> OverviewAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        if (!path.EndsWith('/'))
        {
            // Relative links need the trailing slash; redirect relatively so PathBase and proxies keep working.
            var last = path.TrimEnd('/').Split('/')[^1];
            return Results.Redirect(last + "/" + context.Request.QueryString);
        }

        var (manager, log, page) = await ContextAsync(context, 0).ConfigureAwait(false);
        var ct = context.RequestAborted;
        var destinations = await AllDestinationsAsync(manager, ct).ConfigureAwait(false);
        var now = Time(context).GetUtcNow();
        var since = now.AddHours(-24);
        var counts = await log.CountAsync(null, since, null, ct).ConfigureAwait(false);
        var retrying = await CountRetryingAsync(log, since, ct).ConfigureAwait(false);
        var hourStart = new DateTimeOffset(now.UtcDateTime.Date.AddHours(now.UtcDateTime.Hour), TimeSpan.Zero).AddHours(-(OutcomeChart.Hours - 1));
        var hours = new WebhookDeliveryCounts[OutcomeChart.Hours];
        for (var i = 0; i < hours.Length; i++)
        {
            hours[i] = await log.CountAsync(null, hourStart.AddHours(i), hourStart.AddHours(i + 1), ct).ConfigureAwait(false);
        }

        var w = new HtmlWriter();
        w.W($"<h1>Overview</h1>");
        w.W($"<section aria-labelledby=\"dest-h\"><h2 id=\"dest-h\">Destinations</h2><ul class=\"cards\">");
        Card(w, "Enabled", destinations.Count(d => d.Enabled), "ok");
        Card(w, "Disabled", destinations.Count(d => !d.Enabled), "off");
        Card(w, "Failing", destinations.Count(d => d.Enabled && d.ConsecutiveFailures > 0), "bad");
        w.W($"</ul></section>");

        w.W($"<section aria-labelledby=\"del-h\"><h2 id=\"del-h\">Deliveries in the last 24 hours</h2><ul class=\"cards\">");
        Card(w, "Pending", Math.Max(0, counts.Pending - retrying), "off");
        Card(w, "Retrying", retrying, "warn");
        Card(w, "Dead", counts.Failed, "bad");
        Card(w, "Delivered", counts.Succeeded, "ok");
        w.W($"</ul>");
        w.W($"{OutcomeChart.Render(hours, hourStart)}</section>");
        return Page(page, "Overview", "overview", w.ToHtml());
    }

    /// <summary>Pending deliveries that were already attempted, read page by page (bounded: it is a dashboard figure).</summary>
    private static async Task<long> CountRetryingAsync(IWebhookDeliveryLog log, DateTimeOffset since, CancellationToken ct)
    {
        long retrying = 0;
        string? cursor = null;
        for (var pageIndex = 0; pageIndex < RetryingScanPages; pageIndex++)
        {
            var page = await log.QueryAsync(new WebhookDeliveryQuery { Status = WebhookDeliveryStatus.Pending, Since = since, Limit = 1000, Cursor = cursor }, ct).ConfigureAwait(false);
            retrying += page.Items.Count(d => d.AttemptCount > 0);
            cursor = page.NextCursor;
            if (cursor is null)
            {
                break;
            }
        }

        return retrying;
    }

    private static void Card(HtmlWriter w, string label, long count, string tone) =>
        w.W($"<li class=\"card {tone}\"><span class=\"count\">{count}</span> <span class=\"label\">{label}</span></li>");

    // ---------------------------------------------------------------- list

    public async Task<IResult> ListAsync(HttpContext context, string? notice)
    {
        var (manager, _, page) = await ContextAsync(context, 0).ConfigureAwait(false);
        var destinations = await AllDestinationsAsync(manager, context.RequestAborted).ConfigureAwait(false);
        var w = new HtmlWriter();
        w.W($"<div class=\"title-row\"><h1>Destinations</h1>");
        if (page.CanWrite)
        {
            w.W($"<a class=\"button primary\" href=\"{page.Link("destinations/new")}\">New destination</a>");
        }

        w.W($"</div>{NoticeHtml(notice)}");
        if (destinations.Count == 0)
        {
            w.W($"<p>No destinations yet.</p>");
            return Page(page, "Destinations", "destinations", w.ToHtml());
        }

        w.W($"""
            <div class="table-wrap"><table class="list">
            <caption class="visually-hidden">Destinations, newest first</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Host</th><th scope="col">Format</th><th scope="col">Enabled</th>
            <th scope="col">Last success</th><th scope="col">Last failure</th><th scope="col">Consecutive failures</th><th scope="col">Disabled because</th></tr></thead><tbody>
            """);
        foreach (var d in destinations)
        {
            var failing = d.Enabled && d.ConsecutiveFailures > 0;
            var rowClass = failing ? "failing" : d.Enabled ? string.Empty : "disabled";
            w.W($"<tr class=\"{rowClass}\"><th scope=\"row\"><a href=\"{page.Link("destinations/" + DashboardPage.Seg(d.Id))}\">{d.Name}</a>");
            if (failing)
            {
                w.W($" <span class=\"tag bad\">failing</span>");
            }

            w.W($"</th><td data-label=\"Host\">{DashboardPage.HostOf(d.Url)}</td><td data-label=\"Format\">{d.Format}</td><td data-label=\"Enabled\">{Toggle(page, d, "list")}</td>");
            w.W($"<td data-label=\"Last success\">{DashboardPage.Time(d.LastSuccessAt)}</td><td data-label=\"Last failure\">{DashboardPage.Time(d.LastFailureAt)}</td>");
            w.W($"<td class=\"num\" data-label=\"Consecutive failures\">{d.ConsecutiveFailures}</td><td data-label=\"Disabled because\">{d.DisabledReason ?? string.Empty}</td></tr>");
        }

        w.W($"</tbody></table></div>");
        return Page(page, "Destinations", "destinations", w.ToHtml());
    }

    private static Html Toggle(DashboardPage page, WebhookDestination d, string back)
    {
        var state = d.Enabled ? "On" : "Off";
        if (!page.CanWrite)
        {
            return Html.Raw(state);
        }

        var action = d.Enabled ? "disable" : "enable";
        var prefix = back == "list" ? "destinations/" + DashboardPage.Seg(d.Id) + "/" : DashboardPage.Seg(d.Id) + "/";
        var w = new HtmlWriter();
        w.W($"""<form method="post" action="{(back == "list" ? page.Link(prefix + action) : prefix + action)}" class="inline">{page.Antiforgery()}<input type="hidden" name="back" value="{back}">""");
        w.W($"""<button type="submit" class="switch" role="switch" aria-checked="{(d.Enabled ? "true" : "false")}" aria-label="Enabled: {d.Name}"><span aria-hidden="true" class="knob"></span>{state}</button></form>""");
        return w.ToHtml();
    }

    // ---------------------------------------------------------------- create / edit

    public async Task<IResult> NewAsync(HttpContext context)
    {
        var (_, _, page) = await ContextAsync(context, 1).ConfigureAwait(false);
        if (!page.CanWrite)
        {
            return Results.StatusCode(StatusCodes.Status403Forbidden);
        }

        return FormPage(context, page, DestinationForm.New(), null, null);
    }

    public async Task<IResult> CreateAsync(HttpContext context)
    {
        var (manager, _, page) = await ContextAsync(context, 1).ConfigureAwait(false);
        var posted = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var form = DestinationForm.FromPost(posted);
        var secrets = SecretSettings(context, form["Format"]);
        var action = form["action"];
        if (action == "template")
        {
            ApplyTemplate(form);
            return FormPage(context, page, form, null, null);
        }

        var definition = form.ToDefinition(secrets);
        if (action == "test")
        {
            var result = await DraftTestAsync(manager, definition, form, secrets, context.RequestAborted).ConfigureAwait(false);
            return IsFragmentRequest(context) ? Fragment(result) : FormPage(context, page, form, null, result);
        }

        if (form.Errors.Count > 0)
        {
            // The form found problems of its own: an id the library always rejects makes it report every other
            // problem too, and guarantees nothing is stored.
            definition.Id = DestinationForm.RejectedId;
        }

        try
        {
            var created = await manager.CreateAsync(definition, context.RequestAborted).ConfigureAwait(false);
            Log.Changed(context, "created", created.Id, manager.TenantId);
            return Results.Redirect("../destinations?notice=created");
        }
        catch (WebhookValidationException ex)
        {
            form.AddLibraryErrors(ex.Errors.Where(e => definition.Id != DestinationForm.RejectedId || e.Field != "Id"), secrets);
        }
        catch (WebhookUrlRefusedException ex)
        {
            form.AddError("Url", ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            form.AddError("action", ex.Message); // the tenant's destination limit
        }

        return FormPage(context, page, form, null, null, StatusCodes.Status400BadRequest);
    }

    public async Task<IResult> EditAsync(HttpContext context, string id, string? notice)
    {
        var (manager, _, page) = await ContextAsync(context, 1).ConfigureAwait(false);
        var saved = await FindAsync(manager, id, context.RequestAborted).ConfigureAwait(false);
        if (saved is null)
        {
            return NotFound(page);
        }

        return FormPage(context, page, DestinationForm.FromSaved(saved), notice, null);
    }

    public async Task<IResult> SaveAsync(HttpContext context, string id)
    {
        var (manager, _, page) = await ContextAsync(context, 1).ConfigureAwait(false);
        var saved = await FindAsync(manager, id, context.RequestAborted).ConfigureAwait(false);
        if (saved is null)
        {
            return NotFound(page);
        }

        var posted = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var form = DestinationForm.FromPost(posted);
        form.Saved = saved;
        CopyHints(DestinationForm.FromSaved(saved), form);
        var secrets = SecretSettings(context, form["Format"]);
        if (form["action"] == "template")
        {
            ApplyTemplate(form);
            return FormPage(context, page, form, null, null);
        }

        var update = form.ToUpdate(secrets);
        if (form["Version"].Length > 0)
        {
            // The version the form was built from: the library refuses the save if the destination moved on since,
            // even when that happens between this check and the write.
            update.ExpectedVersion = long.TryParse(form["Version"], NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : -1;
        }

        if (update.ExpectedVersion is { } expected && expected != saved.Version)
        {
            form.AddError("action", ChangedMeanwhile);
            return FormPage(context, page, form, null, null, StatusCodes.Status409Conflict);
        }

        try
        {
            if (form.Errors.Count == 0)
            {
                await manager.UpdateAsync(id, update, context.RequestAborted).ConfigureAwait(false);
                Log.Changed(context, "updated", id, manager.TenantId);
                return Results.Redirect(DashboardPage.Seg(id) + "?notice=saved");
            }

            // A form error (for example a header line without a colon) must not save a partial change.
            form.AddError("action", "Nothing was saved: correct the fields marked below.");
        }
        catch (WebhookValidationException ex)
        {
            form.AddLibraryErrors(ex.Errors, secrets);
        }
        catch (WebhookUrlRefusedException ex)
        {
            form.AddError("Url", ex.Message);
        }
        catch (WebhookConcurrencyException)
        {
            form.AddError("action", ChangedMeanwhile);
            return FormPage(context, page, form, null, null, StatusCodes.Status409Conflict);
        }

        return FormPage(context, page, form, null, null, StatusCodes.Status400BadRequest);
    }

    public async Task<IResult> TestSavedAsync(HttpContext context, string id)
    {
        var (manager, _, page) = await ContextAsync(context, 2).ConfigureAwait(false);
        var saved = await FindAsync(manager, id, context.RequestAborted).ConfigureAwait(false);
        if (saved is null)
        {
            return NotFound(page);
        }

        TestOutcome outcome;
        try
        {
            outcome = new TestOutcome(await manager.TestAsync(id, null, context.RequestAborted).ConfigureAwait(false), null);
        }
        catch (WebhookUrlRefusedException ex)
        {
            outcome = new TestOutcome(null, ex.Verdict?.Rule is { } rule ? $"Refused by rule '{rule}': {ex.Verdict.Reason}" : ex.Message);
        }

        if (IsFragmentRequest(context))
        {
            return Fragment(outcome);
        }

        // The saved destination's page with the result inline; this document sits one level below it.
        var refreshed = await FindAsync(manager, id, context.RequestAborted).ConfigureAwait(false) ?? saved;
        return FormPage(context, page, DestinationForm.FromSaved(refreshed), null, outcome, basePath: "../");
    }

    private static async Task<TestOutcome> DraftTestAsync(IWebhookDestinationManager manager, WebhookDestinationDefinition definition, DestinationForm form, IReadOnlyCollection<string> secrets, CancellationToken ct)
    {
        if (form.Errors.Count > 0)
        {
            return new TestOutcome(null, "Not sent: correct the fields marked below first.");
        }

        try
        {
            return new TestOutcome(await manager.TestDraftAsync(definition, null, ct).ConfigureAwait(false), null);
        }
        catch (WebhookValidationException ex)
        {
            form.AddLibraryErrors(ex.Errors, secrets);
            var url = ex.Errors.FirstOrDefault(e => e.Field == "Url" && e.Message.Contains("rule", StringComparison.OrdinalIgnoreCase));
            return new TestOutcome(null, url is not null ? "Refused: " + url.Message : "Not sent: " + string.Join("; ", ex.Errors.Select(e => e.ToString())));
        }
        catch (WebhookUrlRefusedException ex)
        {
            return new TestOutcome(null, ex.Verdict?.Rule is { } rule ? $"Refused by rule '{rule}': {ex.Verdict.Reason}" : ex.Message);
        }
    }

    private static void ApplyTemplate(DestinationForm form)
    {
        if (WebhookTemplates.BuiltIn.TryGetValue(form["Template"], out var body))
        {
            form["BodyTemplate"] = body;
        }
        else
        {
            form.AddError("Template", "choose a template");
        }
    }

    private static void CopyHints(DestinationForm from, DestinationForm to)
    {
        foreach (var (key, value) in from.Hints)
        {
            to.Hints[key] = value;
        }
    }

    private static IResult FormPage(HttpContext context, DashboardPage page, DestinationForm form, string? notice, TestOutcome? test, int status = StatusCodes.Status200OK, string basePath = "")
    {
        var formats = context.RequestServices.GetServices<IWebhookFormatter>().ToList();
        var catalog = context.RequestServices.GetRequiredService<IWebhookEventCatalog>().List();
        var body = DestinationFormView.Render(page, form, formats, catalog, Notice(notice), test, basePath);
        var title = form.Saved is null ? "New destination" : form.Saved.Name;
        return Page(page, title, "destinations", body, status);
    }

    // ---------------------------------------------------------------- toggle, delete

    public Task<IResult> EnableAsync(HttpContext context, string id) => ToggleAsync(context, id, enable: true);

    public Task<IResult> DisableAsync(HttpContext context, string id) => ToggleAsync(context, id, enable: false);

    private async Task<IResult> ToggleAsync(HttpContext context, string id, bool enable)
    {
        var (manager, _, page) = await ContextAsync(context, 2).ConfigureAwait(false);
        var posted = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            if (enable)
            {
                await manager.EnableAsync(id, context.RequestAborted).ConfigureAwait(false);
            }
            else
            {
                await manager.DisableAsync(id, "turned off in the dashboard", context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (WebhookNotFoundException)
        {
            return NotFound(page);
        }

        var notice = enable ? "enabled" : "disabled";
        Log.Changed(context, notice, id, manager.TenantId);
        return Results.Redirect(posted["back"] == "list" ? "../../destinations?notice=" + notice : "../" + DashboardPage.Seg(id) + "?notice=" + notice);
    }

    public async Task<IResult> ConfirmDeleteAsync(HttpContext context, string id)
    {
        var (manager, _, page) = await ContextAsync(context, 2).ConfigureAwait(false);
        var saved = await FindAsync(manager, id, context.RequestAborted).ConfigureAwait(false);
        if (saved is null)
        {
            return NotFound(page);
        }

        var w = new HtmlWriter();
        w.W($"<h1>Delete {saved.Name}?</h1>");
        if (!page.CanWrite)
        {
            w.W($"<p>You can read this destination but not delete it.</p>");
            return Page(page, "Delete", "destinations", w.ToHtml(), StatusCodes.Status403Forbidden);
        }

        w.W($"""
            <p>The destination <strong>{saved.Name}</strong> ({DashboardPage.HostOf(saved.Url)}) and its pending deliveries will be deleted. This cannot be undone.</p>
            <form method="post" action="delete" class="actions">{page.Antiforgery()}
            <button type="submit" class="danger">Delete destination</button>
            <a class="button" href="../{DashboardPage.Seg(id)}">Cancel</a>
            </form>
            """);
        return Page(page, "Delete " + saved.Name, "destinations", w.ToHtml());
    }

    public async Task<IResult> DeleteAsync(HttpContext context, string id)
    {
        var (manager, _, page) = await ContextAsync(context, 2).ConfigureAwait(false);
        try
        {
            await manager.DeleteAsync(id, context.RequestAborted).ConfigureAwait(false);
            Log.Changed(context, "deleted", id, manager.TenantId);
        }
        catch (WebhookNotFoundException)
        {
            return NotFound(page);
        }

        return Results.Redirect("../../destinations?notice=deleted");
    }

    // ---------------------------------------------------------------- history

    public async Task<IResult> HistoryAsync(HttpContext context, string id, string? status, string? eventType, string? since, string? until, string? statusClass, string? cursor, string? notice)
    {
        var (manager, log, page) = await ContextAsync(context, 2).ConfigureAwait(false);
        var ct = context.RequestAborted;
        var saved = await FindAsync(manager, id, ct).ConfigureAwait(false);
        if (saved is null)
        {
            return NotFound(page);
        }

        var filterErrors = new Dictionary<string, string>(StringComparer.Ordinal);
        var sinceAt = ParseLocal(since, "since", filterErrors);
        var untilAt = ParseLocal(until, "until", filterErrors);
        var query = new WebhookDeliveryQuery
        {
            DestinationId = id,
            Status = status switch
            {
                "pending" => WebhookDeliveryStatus.Pending,
                "succeeded" => WebhookDeliveryStatus.Succeeded,
                "failed" => WebhookDeliveryStatus.Failed,
                _ => null,
            },
            EventType = string.IsNullOrWhiteSpace(eventType) ? null : eventType.Trim(),
            Since = sinceAt,
            Until = untilAt,
            StatusCodeClass = statusClass switch
            {
                "2xx" => WebhookStatusCodeClass.Success,
                "4xx" => WebhookStatusCodeClass.ClientError,
                "5xx" => WebhookStatusCodeClass.ServerError,
                "none" => WebhookStatusCodeClass.None,
                _ => null,
            },
            Limit = HistoryPageSize,
            Cursor = string.IsNullOrEmpty(cursor) ? null : cursor,
        };
        WebhookCursorPage<WebhookDelivery> result;
        try
        {
            result = await log.QueryAsync(query, ct).ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            filterErrors["cursor"] = "The page link is no longer valid; the list starts again from the newest.";
            result = await log.QueryAsync(query with { Cursor = null }, ct).ConfigureAwait(false);
        }

        var w = new HtmlWriter();
        w.W($"<p class=\"crumbs\"><a href=\"../../destinations\">Destinations</a> › <a href=\"../{DashboardPage.Seg(id)}\">{saved.Name}</a></p>");
        w.W($"<h1>History of {saved.Name}</h1>{NoticeHtml(notice)}");
        w.W($"""
            <form method="get" action="deliveries" class="filters" aria-label="Filter deliveries">
            <div class="field"><label for="f-status">Status</label><select id="f-status" name="status">
            """);
        foreach (var (value, label) in new[] { ("", "Any"), ("pending", "Pending or retrying"), ("succeeded", "Delivered"), ("failed", "Failed (dead)") })
        {
            w.W($"<option value=\"{value}\"{Selected(value == (status ?? string.Empty))}>{label}</option>");
        }

        w.W($"</select></div><div class=\"field\"><label for=\"f-class\">Last status code</label><select id=\"f-class\" name=\"statusClass\">");
        foreach (var (value, label) in new[] { ("", "Any"), ("2xx", "2xx"), ("4xx", "4xx"), ("5xx", "5xx"), ("none", "No answer") })
        {
            w.W($"<option value=\"{value}\"{Selected(value == (statusClass ?? string.Empty))}>{label}</option>");
        }

        w.W($"""
            </select></div>
            <div class="field"><label for="f-type">Event type</label><input id="f-type" name="eventType" value="{eventType ?? string.Empty}" list="event-types" placeholder="exact name"></div>
            <div class="field"><label for="f-since">From (UTC)</label><input id="f-since" name="since" type="datetime-local" value="{since ?? string.Empty}"{Invalid(filterErrors, "since")}>{FilterError(filterErrors, "since")}</div>
            <div class="field"><label for="f-until">To (UTC)</label><input id="f-until" name="until" type="datetime-local" value="{until ?? string.Empty}"{Invalid(filterErrors, "until")}>{FilterError(filterErrors, "until")}</div>
            <div class="field end"><button type="submit">Filter</button></div>
            </form>
            <datalist id="event-types">
            """);
        foreach (var type in context.RequestServices.GetRequiredService<IWebhookEventCatalog>().List())
        {
            w.W($"<option value=\"{type.Name}\"></option>");
        }

        w.W($"</datalist>");
        if (page.CanWrite)
        {
            var defaultSince = Time(context).GetUtcNow().AddHours(-24).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture);
            w.W($"""
                <form method="post" action="replay" class="filters replay">{page.Antiforgery()}
                <div class="field"><label for="f-replay">Replay failed deliveries since (UTC)</label><input id="f-replay" name="since" type="datetime-local" value="{defaultSince}" required></div>
                <div class="field end"><button type="submit">Replay failed</button></div>
                </form>
                """);
        }

        var shown = result.Items;
        w.W($"{FilterError(filterErrors, "cursor")}<p class=\"muted\" role=\"status\">{(shown.Count == 0 ? "No matching delivery." : $"Showing {shown.Count} matching {(shown.Count == 1 ? "delivery" : "deliveries")}, newest first.")}</p>");
        w.W($"<ul class=\"deliveries\">");
        foreach (var d in shown)
        {
            var attempts = await log.ListAttemptsAsync(d.Id, ct).ConfigureAwait(false);
            var (statusText, tone) = StatusOf(d);
            w.W($"""
                <li id="d-{d.Id}"><details><summary><span class="tag {tone}">{statusText}</span> <code>{d.EventType}</code>{(d.IsTest ? " (test)" : string.Empty)}
                · {DashboardPage.Time(d.CreatedAt)} · {d.AttemptCount} attempt{(d.AttemptCount == 1 ? string.Empty : "s")}{(d.LastStatusCode is { } code ? $" · HTTP {code}" : string.Empty)}</summary>
                <p class="muted">Delivery <code>{d.Id}</code>, event <code>{d.EventId}</code>{(d.NextAttemptAt is { } next && d.Status == WebhookDeliveryStatus.Pending ? Html.Raw(" · next attempt " + DashboardPage.Time(next).Value) : Html.Raw(string.Empty))}</p>
                """);
            if (attempts.Count > 0)
            {
                w.W($"""<div class="table-wrap"><table><caption class="visually-hidden">Attempts</caption><thead><tr><th scope="col">#</th><th scope="col">Started</th><th scope="col">Duration</th><th scope="col">Status</th><th scope="col">Error</th><th scope="col">Response</th></tr></thead><tbody>""");
                foreach (var a in attempts)
                {
                    w.W($"<tr class=\"{(a.Success ? string.Empty : "failing")}\"><td class=\"num\">{a.Number}</td><td>{DashboardPage.Time(a.StartedAt)}</td><td class=\"num\">{DashboardPage.Ms(a.Duration)}</td><td>{(a.StatusCode is { } sc ? sc.ToString(CultureInfo.InvariantCulture) : "—")}</td><td>{a.Error ?? string.Empty}</td><td><pre class=\"excerpt\">{a.ResponseExcerpt ?? string.Empty}</pre></td></tr>");
                }

                w.W($"</tbody></table></div>");
            }
            else
            {
                w.W($"<p>No attempt yet.</p>");
            }

            if (page.CanWrite && d.Status != WebhookDeliveryStatus.Pending)
            {
                w.W($"""<form method="post" action="../../deliveries/{DashboardPage.Seg(d.Id)}/redeliver" class="inline">{page.Antiforgery()}<button type="submit">Redeliver</button></form>""");
            }

            w.W($"</details></li>");
        }

        w.W($"</ul>");
        if (result.NextCursor is { } nextCursor)
        {
            var older = "deliveries?" + string.Join("&", new[] { ("status", status), ("statusClass", statusClass), ("eventType", eventType), ("since", since), ("until", until), ("cursor", nextCursor) }
                .Where(p => !string.IsNullOrEmpty(p.Item2))
                .Select(p => p.Item1 + "=" + Uri.EscapeDataString(p.Item2!)));
            w.W($"<p><a class=\"button\" href=\"{older}\">Older deliveries</a> <a href=\"deliveries\">Newest</a></p>");
        }

        return Page(page, "History of " + saved.Name, "destinations", w.ToHtml());
    }

    public async Task<IResult> RedeliverAsync(HttpContext context, string id)
    {
        var (_, log, page) = await ContextAsync(context, 2).ConfigureAwait(false);
        try
        {
            var delivery = await log.GetAsync(id, context.RequestAborted).ConfigureAwait(false);
            await log.RedeliverAsync(id, context.RequestAborted).ConfigureAwait(false);
            Log.Requeued(context, 1, delivery.DestinationId, log.TenantId);
            return Results.Redirect($"../../destinations/{DashboardPage.Seg(delivery.DestinationId)}/deliveries?notice=redelivered");
        }
        catch (WebhookNotFoundException)
        {
            return NotFound(page);
        }
    }

    public async Task<IResult> ReplayAsync(HttpContext context, string id)
    {
        var (_, log, page) = await ContextAsync(context, 2).ConfigureAwait(false);
        var posted = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        var since = ParseLocal(posted["since"], "since", errors);
        if (since is null)
        {
            return Page(page, "Replay", "destinations", new HtmlWriter().W($"<h1>Replay</h1><p role=\"alert\">Give the time to replay from: {errors.GetValueOrDefault("since", "it is required")}.</p><p><a href=\"deliveries\">Back to the history</a></p>").ToHtml(), StatusCodes.Status400BadRequest);
        }

        try
        {
            var count = await log.ReplayFailedAsync(id, since.Value, context.RequestAborted).ConfigureAwait(false);
            Log.Requeued(context, count, id, log.TenantId);
        }
        catch (WebhookNotFoundException)
        {
            return NotFound(page);
        }

        return Results.Redirect("deliveries?notice=replayed");
    }

    // ---------------------------------------------------------------- send, event types

    public async Task<IResult> SendFormAsync(HttpContext context, string? type)
    {
        var (manager, _, page) = await ContextAsync(context, 0).ConfigureAwait(false);
        if (!page.CanWrite)
        {
            return Results.StatusCode(StatusCodes.Status403Forbidden);
        }

        var destinations = await AllDestinationsAsync(manager, context.RequestAborted).ConfigureAwait(false);
        var catalog = context.RequestServices.GetRequiredService<IWebhookEventCatalog>().List();
        var chosen = catalog.FirstOrDefault(t => t.Name == type) ?? (catalog.Count > 0 ? catalog[0] : null);
        var values = new SendForm
        {
            Type = chosen?.Name ?? type ?? string.Empty,
            Data = chosen?.Example is { } example ? JsonSerializer.Serialize(example, SendForm.Indented) : "{}",
        };
        return Page(page, "Send an event", "send", SendView.Render(page, values, destinations, catalog, null));
    }

    public async Task<IResult> SendAsync(HttpContext context)
    {
        var (manager, _, page) = await ContextAsync(context, 0).ConfigureAwait(false);
        var ct = context.RequestAborted;
        var posted = await context.Request.ReadFormAsync(ct).ConfigureAwait(false);
        var values = new SendForm
        {
            Type = posted["Type"].ToString().Trim(),
            Data = posted["Data"].ToString(),
            Title = posted["Title"].ToString().Trim(),
            DestinationIds = posted["DestinationIds"].Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToList(),
        };
        var publisher = context.RequestServices.GetRequiredService<IWebhookPublisher>().ForTenant(manager.TenantId);
        var destinations = await AllDestinationsAsync(manager, ct).ConfigureAwait(false);
        var catalog = context.RequestServices.GetRequiredService<IWebhookEventCatalog>().List();
        JsonElement? data = null;
        if (values.Type.Length == 0)
        {
            values.Errors["Type"] = "is required";
        }

        try
        {
            data = JsonSerializer.Deserialize<JsonElement>(values.Data.Length == 0 ? "{}" : values.Data);
        }
        catch (JsonException ex)
        {
            values.Errors["Data"] = "is not valid JSON: " + ex.Message;
        }

        if (values.DestinationIds.Count == 0)
        {
            values.Errors["DestinationIds"] = "tick at least one destination";
        }

        PublishResult? result = null;
        if (values.Errors.Count == 0)
        {
            try
            {
                var evt = new WebhookEvent { Type = values.Type, Data = data, Title = values.Title.Length > 0 ? values.Title : null };
                result = await publisher.EnqueueToAsync(evt, values.DestinationIds, ct).ConfigureAwait(false);
                Log.Sent(context, result, evt.Type, manager.TenantId);
            }
            catch (WebhookValidationException ex)
            {
                foreach (var error in ex.Errors)
                {
                    values.Errors[error.Field.StartsWith("Type", StringComparison.Ordinal) ? "Type" : "DestinationIds"] = error.Message;
                }
            }
            catch (Exception ex) when (ex is WebhookNotFoundException or InvalidOperationException or WebhookUrlRefusedException or ArgumentException)
            {
                values.Errors["DestinationIds"] = ex.Message;
            }
        }

        var status = values.Errors.Count > 0 ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK;
        return Page(page, "Send an event", "send", SendView.Render(page, values, destinations, catalog, result), status);
    }

    public async Task<IResult> EventTypesAsync(HttpContext context)
    {
        var (_, _, page) = await ContextAsync(context, 0).ConfigureAwait(false);
        var catalog = context.RequestServices.GetRequiredService<IWebhookEventCatalog>().List();
        var w = new HtmlWriter();
        w.W($"<h1>Event types</h1>");
        if (catalog.Count == 0)
        {
            w.W($"<p>The application has not declared any event type.</p>");
        }

        foreach (var type in catalog)
        {
            w.W($"<section class=\"event-type\" aria-labelledby=\"t-{type.Name}\"><h2 id=\"t-{type.Name}\"><code>{type.Name}</code></h2>");
            w.W($"<p>{type.Description ?? "No description."}</p>");
            if (type.Example is { } example)
            {
                w.W($"<pre class=\"code\" tabindex=\"0\" aria-label=\"Example of {type.Name}\">{JsonSerializer.Serialize(example, SendForm.Indented)}</pre>");
            }

            if (page.CanWrite)
            {
                w.W($"<p><a href=\"send?type={Uri.EscapeDataString(type.Name)}\">Send a {type.Name} event</a></p>");
            }

            w.W($"</section>");
        }

        return Page(page, "Event types", "event-types", w.ToHtml());
    }

    // ---------------------------------------------------------------- helpers

    private async Task<(IWebhookDestinationManager Manager, IWebhookDeliveryLog Log, DashboardPage Page)> ContextAsync(HttpContext context, int depth)
    {
        var tenant = _options.TenantResolver(context);
        var services = context.RequestServices;
        var manager = services.GetRequiredService<IWebhookDestinationManager>().ForTenant(tenant);
        var log = services.GetRequiredService<IWebhookDeliveryLog>().ForTenant(tenant);
        var canWrite = await EndpointSecurity.CanWriteAsync(context, _options).ConfigureAwait(false);
        string? field = null;
        string? token = null;
        if (canWrite)
        {
            var tokens = services.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
            field = tokens.FormFieldName;
            token = tokens.RequestToken;
        }

        return (manager, log, new DashboardPage(depth, canWrite, field, token));
    }

    private static async Task<List<WebhookDestination>> AllDestinationsAsync(IWebhookDestinationManager manager, CancellationToken ct)
    {
        var all = new List<WebhookDestination>();
        string? cursor = null;
        do
        {
            var page = await manager.ListAsync(new WebhookDestinationListQuery { Limit = 1000, Cursor = cursor }, ct).ConfigureAwait(false);
            all.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return all;
    }

    private static async Task<WebhookDestination?> FindAsync(IWebhookDestinationManager manager, string id, CancellationToken ct)
    {
        try
        {
            return await manager.GetAsync(id, ct).ConfigureAwait(false);
        }
        catch (WebhookNotFoundException)
        {
            return null;
        }
    }

    private static IReadOnlyCollection<string> SecretSettings(HttpContext context, string format) =>
        context.RequestServices.GetServices<IWebhookFormatter>().FirstOrDefault(f => string.Equals(f.Name, format, StringComparison.OrdinalIgnoreCase))?.SecretSettings ?? [];

    private static TimeProvider Time(HttpContext context) => context.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System;

    private static bool IsFragmentRequest(HttpContext context) => context.Request.Headers["X-Dashboard-Fragment"] == "test";

    private static IResult Fragment(TestOutcome outcome) =>
        Results.Content(TestResultView.Render(outcome).Value, "text/html; charset=utf-8");

    private static IResult Page(DashboardPage page, string title, string nav, Html body, int status = StatusCodes.Status200OK) =>
        Results.Content(page.Layout(title, nav, body), "text/html; charset=utf-8", statusCode: status);

    private static IResult NotFound(DashboardPage page) =>
        Page(page, "Not found", "destinations", new HtmlWriter().W($"<h1>Not found</h1><p>There is no such item here. <a href=\"{page.Link("destinations")}\">Back to the destinations</a></p>").ToHtml(), StatusCodes.Status404NotFound);

    private static string? Notice(string? code) => code is not null && Notices.TryGetValue(code, out var text) ? text : null;

    private static Html NoticeHtml(string? code) =>
        Notice(code) is { } text ? new HtmlWriter().W($"<p class=\"notice\" role=\"status\">{text}</p>").ToHtml() : Html.Raw(string.Empty);

    private static Html Selected(bool selected) => Html.Raw(selected ? " selected" : string.Empty);

    private static Html Invalid(Dictionary<string, string> errors, string field) =>
        errors.ContainsKey(field) ? Html.Raw($" aria-invalid=\"true\" aria-describedby=\"e-{field}\"") : Html.Raw(string.Empty);

    private static Html FilterError(Dictionary<string, string> errors, string field) =>
        errors.TryGetValue(field, out var message) ? new HtmlWriter().W($"<span class=\"error\" id=\"e-{field}\">{message}</span>").ToHtml() : Html.Raw(string.Empty);

    private static DateTimeOffset? ParseLocal(string? value, string field, Dictionary<string, string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            return new DateTimeOffset(parsed, TimeSpan.Zero);
        }

        errors[field] = "is not a date and time";
        return null;
    }



    private static (string Text, string Tone) StatusOf(WebhookDelivery d) => d.Status switch
    {
        WebhookDeliveryStatus.Succeeded => ("Delivered", "ok"),
        WebhookDeliveryStatus.Failed => ("Failed", "bad"),
        _ when d.AttemptCount > 0 => ("Retrying", "warn"),
        _ => ("Pending", "off"),
    };
}

/// <summary>The result of a test delivery, or why it was not sent.</summary>
internal sealed record TestOutcome(WebhookTestResult? Result, string? Refusal);

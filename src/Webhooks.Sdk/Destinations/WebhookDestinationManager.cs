using System.Text.Json;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Diagnostics;
using Webhooks.Sdk.Internal;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Destinations;

internal sealed class WebhookDestinationManager : IWebhookDestinationManager, IVersionedDestinationActions
{
    private const string TestEventType = "webhook.test";
    private readonly IWebhookStore _store;
    private readonly DestinationMapper _mapper;
    private readonly DestinationSnapshots _snapshots;
    private readonly DestinationValidator _validator;
    private readonly AuthenticatorRegistry _authenticators;
    private readonly DeliverySender _sender;
    private readonly IWebhookEventCatalog _catalog;
    private readonly IWebhookUrlPolicy _urlPolicy;
    private readonly DispatchSignal _signal;
    private readonly TimeProvider _time;
    private readonly WebhooksOptions _options;
    private readonly OperationalEvents _operational;

    public WebhookDestinationManager(
        IWebhookStore store,
        DestinationMapper mapper,
        DestinationSnapshots snapshots,
        DestinationValidator validator,
        AuthenticatorRegistry authenticators,
        DeliverySender sender,
        IWebhookEventCatalog catalog,
        IWebhookUrlPolicy urlPolicy,
        DispatchSignal signal,
        TimeProvider time,
        IOptions<WebhooksOptions> options,
        OperationalEvents operational)
    {
        _store = store;
        _mapper = mapper;
        _snapshots = snapshots;
        _validator = validator;
        _authenticators = authenticators;
        _sender = sender;
        _catalog = catalog;
        _urlPolicy = urlPolicy;
        _signal = signal;
        _time = time;
        _options = options.Value;
        _operational = operational;
        TenantId = WebhookTenant.Default;
    }

    private WebhookDestinationManager(WebhookDestinationManager other, string tenantId)
    {
        _store = other._store;
        _mapper = other._mapper;
        _snapshots = other._snapshots;
        _validator = other._validator;
        _authenticators = other._authenticators;
        _sender = other._sender;
        _catalog = other._catalog;
        _urlPolicy = other._urlPolicy;
        _signal = other._signal;
        _time = other._time;
        _options = other._options;
        _operational = other._operational;
        TenantId = tenantId;
    }

    public string TenantId { get; }

    public IWebhookDestinationManager ForTenant(string tenantId) => new WebhookDestinationManager(this, WebhookTenant.Validate(tenantId));

    public async Task<WebhookDestination> CreateAsync(WebhookDestinationDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        await _validator.ValidateAsync(definition, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var record = new DestinationRecord
        {
            TenantId = TenantId,
            Id = definition.Id ?? Ids.NewDestinationId(),
            Name = definition.Name.Trim(),
            Enabled = definition.Enabled,
            ConfigJson = _mapper.ToStoredJson(DestinationConfig.From(definition)),
            ProtectedAuth = _mapper.ProtectAuth(definition.Auth),
            CreatedAt = now,
            UpdatedAt = now,
            DisabledReason = definition.Enabled ? null : "Created disabled.",
        };
        var max = _options.MaxDestinationsPerTenant;
        var inserted = await _store.InsertDestinationAsync(record, max, cancellationToken).ConfigureAwait(false);
        _snapshots.Invalidate(TenantId);
        switch (inserted)
        {
            case DestinationInsertResult.AlreadyExists:
                throw new InvalidOperationException($"A destination with id '{record.Id}' already exists in tenant '{TenantId}'.");
            case DestinationInsertResult.LimitReached:
                throw new InvalidOperationException($"Tenant '{TenantId}' already has {max} destinations; the limit is {max} (MaxDestinationsPerTenant).");
        }

        var created = _mapper.ToRuntime(record with { Version = 1 }).Masked;
        await _operational.DestinationCreatedAsync(created, cancellationToken).ConfigureAwait(false);
        return created;
    }

    public async Task<WebhookDestination> GetAsync(string id, CancellationToken cancellationToken = default)
        => (await GetRuntimeAsync(id, cancellationToken).ConfigureAwait(false)).Masked;

    public async Task<WebhookPage<WebhookDestination>> ListAsync(int skip = 0, int take = 50, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfLessThan(take, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(take, 1000);
        var total = await _store.CountDestinationsAsync(TenantId, cancellationToken).ConfigureAwait(false);
        var items = new List<WebhookDestination>(Math.Min(take, 256));
        var seen = 0;
        string? cursor = null;
        do
        {
            // Skip/take walks cursor pages: cost grows with skip; the cursor overload does not.
            var page = await _store.ListDestinationsAsync(new DestinationListQuery { TenantId = TenantId, Limit = Math.Min(1000, skip + take - seen), Cursor = cursor }, cancellationToken).ConfigureAwait(false);
            foreach (var r in page.Items)
            {
                if (seen++ >= skip && items.Count < take)
                {
                    items.Add(_mapper.ToRuntime(r).Masked);
                }
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null && items.Count < take);
        return new WebhookPage<WebhookDestination>(items, total, skip);
    }

    public async Task<WebhookCursorPage<WebhookDestination>> ListAsync(WebhookDestinationListQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Limit, "WebhookDestinationListQuery.Limit must be between 1 and 1000.");
        }

        var page = await _store.ListDestinationsAsync(new DestinationListQuery { TenantId = TenantId, Limit = query.Limit, Cursor = query.Cursor }, cancellationToken).ConfigureAwait(false);
        return new WebhookCursorPage<WebhookDestination>(page.Items.Select(r => _mapper.ToRuntime(r).Masked).ToArray(), page.NextCursor);
    }

    public async Task<WebhookDestination> UpdateAsync(string id, WebhookDestinationUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        var current = await GetRuntimeAsync(id, cancellationToken).ConfigureAwait(false);
        if (update.ExpectedVersion is { } expected && expected != current.Record.Version)
        {
            throw new WebhookConcurrencyException(TenantId, id, expected, current.Record.Version);
        }

        var d = current.Config.ToDefinition(current.Id, current.Record.Name, current.Record.Enabled, current.Auth);
        d.Name = update.Name ?? d.Name;
        d.Url = update.Url ?? d.Url;
        d.Method = update.Method ?? d.Method;
        d.Format = update.Format ?? d.Format;
        d.Headers = update.Headers ?? d.Headers;
        d.Subscriptions = update.Subscriptions ?? d.Subscriptions;
        d.RetryCount = update.RetryCount ?? d.RetryCount;
        d.AttemptTimeout = update.AttemptTimeout ?? d.AttemptTimeout;
        d.RateLimit = update.RemoveRateLimit ? null : update.RateLimit ?? d.RateLimit;
        if (update.FormatSettings is { } settings)
        {
            // Secret settings are write-only: an update that leaves one out (or empty) keeps the saved value.
            var merged = new Dictionary<string, string>(settings, StringComparer.OrdinalIgnoreCase);
            foreach (var name in _mapper.SecretSettings(update.Format ?? d.Format))
            {
                if ((!merged.TryGetValue(name, out var value) || string.IsNullOrEmpty(value)) && d.FormatSettings.TryGetValue(name, out var saved))
                {
                    merged[name] = saved;
                }
            }

            d.FormatSettings = merged;
        }
        d.TextFormat = update.TextFormat ?? d.TextFormat;
        d.BodyTemplate = update.BodyTemplate is null ? d.BodyTemplate : update.BodyTemplate.Length == 0 ? null : update.BodyTemplate;
        d.Correlation = update.RemoveCorrelation ? null : update.Correlation ?? d.Correlation;
        d.OrderedDelivery = update.OrderedDelivery ?? d.OrderedDelivery;
        d.PropagateTraceContext = update.PropagateTraceContext ?? d.PropagateTraceContext;
        d.Filter = update.RemoveFilter ? null : update.Filter ?? d.Filter;
        if (update.Auth is { } auth)
        {
            d.Auth = string.Equals(auth.Kind, current.Auth.Kind, StringComparison.OrdinalIgnoreCase)
                ? _authenticators.Get(auth.Kind).Merge(current.Auth, auth)
                : auth;
        }

        await _validator.ValidateAsync(d, cancellationToken).ConfigureAwait(false);
        var config = DestinationConfig.From(d);

        // Configuration columns only, checked against the version read above: a health write meanwhile (auto-disable)
        // stays, and a concurrent configuration write (another update, a rotation) makes this one fail.
        var change = new DestinationChange
        {
            TenantId = TenantId,
            Id = id,
            ExpectedVersion = current.Record.Version,
            At = NextUpdateTime(current.Record),
            Name = d.Name.Trim(),
            ConfigJson = _mapper.ToStoredJson(config),
            ReplaceAuth = update.Auth is not null,
            ProtectedAuth = update.Auth is null ? null : _mapper.ProtectAuth(d.Auth),
        };
        var updated = await SaveAsync(change, cancellationToken).ConfigureAwait(false);
        await _operational.DestinationUpdatedAsync(updated, cancellationToken).ConfigureAwait(false);
        return updated;
    }

    public Task DeleteAsync(string id, CancellationToken cancellationToken = default) => DeleteAsync(id, null, cancellationToken);

    public async Task DeleteAsync(string id, long? expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        var before = await _store.GetDestinationAsync(TenantId, id, cancellationToken).ConfigureAwait(false);
        if (expectedVersion is { } expected && before is not null)
        {
            // The store's delete has no version check: a versioned write first (it disables the destination, so nothing
            // more is queued to it) fails if another change landed since the caller read it; the delete follows.
            CheckVersion(id, expected, before);
            await SaveAsync(new DestinationChange { TenantId = TenantId, Id = id, ExpectedVersion = expected, At = NextUpdateTime(before), Enabled = false, DisabledReason = "Being deleted." }, cancellationToken).ConfigureAwait(false);
        }

        var removed = await _store.DeleteDestinationAsync(TenantId, id, cancellationToken).ConfigureAwait(false);
        _snapshots.Invalidate(TenantId);
        if (!removed)
        {
            throw WebhookNotFoundException.Destination(TenantId, id);
        }

        // Describe the destination for its operational event before its engine state is dropped: mapping it after the
        // drop would build the state again and keep it for a destination that no longer exists.
        WebhookDestination? deleted = null;
        try
        {
            deleted = before is null ? null : _mapper.ToRuntime(before).Masked;
        }
        finally
        {
            _mapper.Forget(TenantId, id);
        }

        if (deleted is not null)
        {
            await _operational.DestinationDeletedAsync(deleted, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task ClearCorrelationIdAsync(string id, string correlationKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(correlationKey);
        var destination = await GetRuntimeAsync(id, cancellationToken).ConfigureAwait(false);
        await _store.SetCorrelationIdAsync(TenantId, destination.Id, correlationKey, string.Empty, cancellationToken).ConfigureAwait(false);
    }

    public async Task<WebhookDestination> AllowPrivateNetworksAsync(string id, IReadOnlyList<string> networks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(networks);
        var current = await GetRuntimeAsync(id, cancellationToken).ConfigureAwait(false);
        var d = current.Config.ToDefinition(current.Id, current.Record.Name, current.Record.Enabled, current.Auth).AllowPrivateNetworks([.. networks]);
        var errors = new List<WebhookValidationError>();
        DestinationValidator.ValidatePrivateNetworks(d, errors);
        if (errors.Count > 0)
        {
            throw new WebhookValidationException(errors);
        }

        var config = DestinationConfig.Parse(current.Record.ConfigJson);
        config.PrivateNetworks = DestinationConfig.From(d).PrivateNetworks;
        var saved = await SaveAsync(
            new DestinationChange
            {
                TenantId = TenantId,
                Id = id,
                ExpectedVersion = current.Record.Version,
                At = NextUpdateTime(current.Record),
                Name = current.Record.Name,
                ConfigJson = config.ToJson(),
            },
            cancellationToken).ConfigureAwait(false);
        await _operational.DestinationUpdatedAsync(saved, cancellationToken).ConfigureAwait(false);
        return saved;
    }

    public Task<WebhookDestination> EnableAsync(string id, CancellationToken cancellationToken = default) => EnableAsync(id, null, cancellationToken);

    public async Task<WebhookDestination> EnableAsync(string id, long? expectedVersion, CancellationToken cancellationToken)
    {
        var current = await GetRuntimeAsync(id, cancellationToken).ConfigureAwait(false);
        CheckVersion(id, expectedVersion, current.Record);
        var saved = await SaveAsync(new DestinationChange { TenantId = TenantId, Id = id, ExpectedVersion = expectedVersion, At = NextUpdateTime(current.Record), Enabled = true }, cancellationToken).ConfigureAwait(false);
        _signal.Notify();
        if (!current.Record.Enabled)
        {
            await _operational.DestinationEnabledAsync(saved, cancellationToken).ConfigureAwait(false);
        }

        return saved;
    }

    public Task<WebhookDestination> DisableAsync(string id, string? reason = null, CancellationToken cancellationToken = default) => DisableAsync(id, reason, null, cancellationToken);

    public async Task<WebhookDestination> DisableAsync(string id, string? reason, long? expectedVersion, CancellationToken cancellationToken)
    {
        var current = await GetRuntimeAsync(id, cancellationToken).ConfigureAwait(false);
        CheckVersion(id, expectedVersion, current.Record);
        var change = new DestinationChange { TenantId = TenantId, Id = id, ExpectedVersion = expectedVersion, At = NextUpdateTime(current.Record), Enabled = false, DisabledReason = string.IsNullOrWhiteSpace(reason) ? "Disabled by hand." : reason };
        var saved = await SaveAsync(change, cancellationToken).ConfigureAwait(false);
        if (current.Record.Enabled)
        {
            await _operational.DestinationDisabledAsync(saved, cancellationToken).ConfigureAwait(false);
        }

        return saved;
    }

    public async Task<WebhookTestResult> TestAsync(string id, WebhookTestRequest? request = null, CancellationToken cancellationToken = default)
    {
        var destination = await GetRuntimeAsync(id, cancellationToken).ConfigureAwait(false);
        await EnsureUrlAllowedAsync(destination.Url, cancellationToken).ConfigureAwait(false);
        var evt = BuildTestEvent(destination, request);
        var deliveryId = Ids.NewDeliveryId();
        var (result, outcome) = await SendTestAsync(destination, evt, deliveryId, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        await _store.RecordTestDeliveryAsync(
            new StoredEvent { TenantId = TenantId, Id = evt.Id!, Type = evt.Type, OccurredAt = evt.OccurredAt!.Value, Json = EventSerialization.Serialize(evt) },
            new DeliveryRecord
            {
                TenantId = TenantId,
                Id = deliveryId,
                EventId = evt.Id!,
                EventType = evt.Type,
                DestinationId = destination.Id,
                Status = result.Success ? WebhookDeliveryStatus.Succeeded : WebhookDeliveryStatus.Failed,
                AttemptCount = 1,
                MaxAttempts = 1,
                CreatedAt = outcome.StartedAt,
                DueAt = outcome.StartedAt,
                CompletedAt = now,
                LastStatusCode = result.StatusCode,
                LastError = result.Error,
                IsTest = true,
            },
            new AttemptRecord
            {
                TenantId = TenantId,
                DeliveryId = deliveryId,
                Number = 1,
                StartedAt = outcome.StartedAt,
                Duration = outcome.Duration,
                StatusCode = result.StatusCode,
                Success = result.Success,
                Error = result.Error,
                ResponseExcerpt = result.ResponseExcerpt,
            },
            cancellationToken).ConfigureAwait(false);
        return result with { DeliveryId = deliveryId };
    }

    public async Task<WebhookTestResult> TestDraftAsync(WebhookDestinationDefinition draft, WebhookTestRequest? request = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        await _validator.ValidateAsync(draft, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var record = new DestinationRecord
        {
            TenantId = TenantId,
            Id = draft.Id ?? string.Empty,
            Name = draft.Name,
            Enabled = true,
            // Through the protector and back, as a saved destination is: a caller's "protected:..." value is sent as the
            // text it is, never decrypted.
            ConfigJson = _mapper.ToStoredJson(DestinationConfig.From(draft)),
            CreatedAt = now,
            UpdatedAt = now,
        };
        var destination = _mapper.CreateRuntime(record, draft.Auth ?? NoWebhookAuth.Instance);
        var (result, _) = await SendTestAsync(destination, BuildTestEvent(destination, request), Ids.NewDeliveryId(), cancellationToken).ConfigureAwait(false);
        return result;
    }

    private async Task<(WebhookTestResult Result, AttemptOutcome Outcome)> SendTestAsync(DestinationRuntime destination, WebhookEvent evt, string deliveryId, CancellationToken cancellationToken)
    {
        var cached = new CachedEvent(evt, Formatting.EnvelopeSerializer.Serialize(evt));
        WebhookTracePropagator.Suppressed = !destination.Config.PropagateTraceContext;
        var outcome = await _sender.SendAsync(destination, cached, attemptNumber: 1, correlationId: null, useBreaker: false, cancellationToken, deliveryId: deliveryId).ConfigureAwait(false);
        var r = outcome.Result;
        return (new WebhookTestResult
        {
            Success = r.Success,
            Reached = r.StatusCode is not null,
            StatusCode = r.StatusCode,
            ResponseExcerpt = r.ResponseExcerpt,
            Error = r.Error,
            Duration = outcome.Duration,
        }, outcome);
    }

    private WebhookEvent BuildTestEvent(DestinationRuntime destination, WebhookTestRequest? request)
    {
        var type = request?.EventType
            ?? _catalog.List().FirstOrDefault(t => OperationalEvents.Receives(destination, t.Name))?.Name
            ?? TestEventType;
        var data = request?.Data
            ?? _catalog.Find(type)?.Example
            ?? JsonSerializer.SerializeToElement(new { test = true, message = "This is a test delivery." });
        return new WebhookEvent
        {
            Id = Ids.NewEventId(),
            Type = type,
            OccurredAt = _time.GetUtcNow(),
            Data = data,
            Title = "Test delivery",
            Summary = $"A test event of type {type} sent to {destination.Record.Name}.",
            Severity = WebhookSeverity.Info,
            Metadata = new Dictionary<string, string> { ["test"] = "true" },
        };
    }

    private async Task<WebhookDestination> SaveAsync(DestinationChange change, CancellationToken cancellationToken)
    {
        DestinationRecord? saved;
        try
        {
            saved = await _store.UpdateDestinationAsync(change, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Also when the write failed: whether it landed is then unknown, and a fresh read costs little.
            _snapshots.Invalidate(TenantId);
        }

        if (saved is null)
        {
            throw WebhookNotFoundException.Destination(TenantId, change.Id);
        }

        return _mapper.ToRuntime(saved).Masked;
    }

    /// <summary>Refuses a change made against another version than the current one (the write checks it again).</summary>
    private void CheckVersion(string id, long? expectedVersion, DestinationRecord current)
    {
        if (expectedVersion is { } expected && expected != current.Version)
        {
            throw new WebhookConcurrencyException(TenantId, id, expected, current.Version);
        }
    }

    /// <summary>The update time, strictly after the previous one so caches keyed by it always see the change.</summary>
    private DateTimeOffset NextUpdateTime(DestinationRecord current)
    {
        var now = _time.GetUtcNow();
        return now > current.UpdatedAt ? now : current.UpdatedAt.AddTicks(1);
    }

    public Task<WebhookSecretRotation> RotateSecretAsync(string id, string? newSecret = null, TimeSpan? overlap = null, CancellationToken cancellationToken = default)
        => RotateSecretAsync(id, newSecret, overlap, null, cancellationToken);

    public async Task<WebhookSecretRotation> RotateSecretAsync(string id, string? newSecret, TimeSpan? overlap, long? expectedVersion, CancellationToken cancellationToken)
    {
        var window = overlap ?? TimeSpan.FromHours(24);
        if (window < TimeSpan.Zero || window > TimeSpan.FromDays(30))
        {
            throw new WebhookValidationException([new("Overlap", $"must be between 0 and 30 days, not {window}")]);
        }

        var current = await GetRuntimeAsync(id, cancellationToken).ConfigureAwait(false);
        CheckVersion(id, expectedVersion, current.Record);
        if (current.Auth is not HmacSignatureWebhookAuth hmac)
        {
            throw new InvalidOperationException($"Destination '{id}' does not sign its deliveries (auth kind '{current.Auth.Kind}'); only HMAC signing secrets rotate.");
        }

        var secret = newSecret ?? HmacSignatureWebhookAuth.GenerateSecret();
        if (Signing.SignatureCore.CheckSecret(hmac.Preset, secret) is { } problem)
        {
            throw new WebhookValidationException([new("Secret", problem)]);
        }

        var now = _time.GetUtcNow();
        var rotated = Auth.HmacSignatureAuthenticator.Rotate(hmac, secret, window, now);
        var change = new DestinationChange { TenantId = TenantId, Id = id, ExpectedVersion = current.Record.Version, At = NextUpdateTime(current.Record), ReplaceAuth = true, ProtectedAuth = _mapper.ProtectAuth(rotated) };
        var saved = await SaveAsync(change, cancellationToken).ConfigureAwait(false);
        return new WebhookSecretRotation { NewSecret = secret, PreviousSecretExpiresAt = window > TimeSpan.Zero ? now + window : null, Destination = saved };
    }

    private async Task<DestinationRuntime> GetRuntimeAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        var record = await _store.GetDestinationAsync(TenantId, id, cancellationToken).ConfigureAwait(false)
            ?? throw WebhookNotFoundException.Destination(TenantId, id);
        return _mapper.ToRuntime(record);
    }

    private async Task EnsureUrlAllowedAsync(Uri url, CancellationToken cancellationToken)
    {
        var verdict = await _urlPolicy.EvaluateAsync(url, cancellationToken).ConfigureAwait(false);
        if (!verdict.Allowed)
        {
            throw new WebhookUrlRefusedException(verdict);
        }
    }
}

/// <summary>
/// The destination actions with the version the caller read (an HTTP <c>If-Match</c>): the version is checked inside
/// the store's write, so a change that lands between the caller's read and the write makes the write fail.
/// </summary>
internal interface IVersionedDestinationActions
{
    Task<WebhookDestination> EnableAsync(string id, long? expectedVersion, CancellationToken cancellationToken);

    Task<WebhookDestination> DisableAsync(string id, string? reason, long? expectedVersion, CancellationToken cancellationToken);

    Task DeleteAsync(string id, long? expectedVersion, CancellationToken cancellationToken);

    Task<WebhookSecretRotation> RotateSecretAsync(string id, string? newSecret, TimeSpan? overlap, long? expectedVersion, CancellationToken cancellationToken);
}

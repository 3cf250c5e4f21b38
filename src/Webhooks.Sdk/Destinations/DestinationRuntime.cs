using System.Collections.Concurrent;
using System.Text.Json;
using Webhooks.Sdk.Routing;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Destinations;

/// <summary>A destination ready to send to: parsed settings, auth with secrets, compiled subscriptions.</summary>
internal sealed class DestinationRuntime
{
    public required DestinationRecord Record { get; init; }

    public required DestinationConfig Config { get; init; }

    /// <summary>Gets the destination as formatters and transports see it: secret format settings in clear.</summary>
    public required WebhookDestination Public { get; init; }

    /// <summary>Gets the destination as the library returns it to callers: secret format settings replaced by hints.</summary>
    public required WebhookDestination Masked { get; init; }

    public required WebhookAuth Auth { get; init; }

    public required SubscriptionSet Subscriptions { get; init; }

    /// <summary>Gets the compiled payload filter, or <see langword="null"/> when the destination has none.</summary>
    public Routing.Filters.EventFilter? Filter { get; init; }

    /// <summary>Gets a value indicating whether an event is routed to this destination: subscribed and passing the filter.</summary>
    public bool Accepts(WebhookEvent evt) => Subscriptions.Matches(evt.Type) && (Filter is null || Filter.Matches(evt));

    public required Uri Url { get; init; }

    /// <summary>Gets the engine state kept for this version of the destination, or <see langword="null"/> for an unsaved draft.</summary>
    public DestinationState? State { get; init; }

    public string TenantId => Record.TenantId;

    public string Id => Record.Id;

    /// <summary>A key that changes whenever the settings change (for per-destination caches).</summary>
    public string Version => DestinationMapper.VersionOf(Record);
}

/// <summary>
/// Turns store records into runtimes and definitions into records, protecting secrets. Each saved destination's
/// runtime lives in its <see cref="DestinationState"/>, keyed by tenant and id and rebuilt when the version changes; a
/// state is dropped when the destination is deleted here (<see cref="Forget"/>) or has not been used for
/// <see cref="WebhookDispatcherOptions.DestinationIdleTimeout"/> (so deletions made by other instances are forgotten too).
/// </summary>
internal sealed class DestinationMapper : IDisposable
{
    /// <summary>Marks a format setting value stored through the <see cref="ISecretProtector"/>.</summary>
    private const string ProtectedSettingPrefix = "protected:";

    private readonly ISecretProtector _protector;
    private readonly AuthenticatorRegistry _authenticators;
    private readonly FormatterRegistry _formatters;
    private readonly Microsoft.Extensions.Options.IOptions<WebhooksOptions> _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(string Tenant, string Id), DestinationState> _states = new();
    private readonly long _idleTicks;
    private readonly ITimer _sweeper;

    public DestinationMapper(ISecretProtector protector, AuthenticatorRegistry authenticators, FormatterRegistry formatters, Microsoft.Extensions.Options.IOptions<WebhooksOptions> options, TimeProvider time)
    {
        _protector = protector;
        _authenticators = authenticators;
        _formatters = formatters;
        _options = options;
        _time = time;
        var idle = options.Value.Dispatcher.DestinationIdleTimeout;
        _idleTicks = idle.Ticks;
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, idle.Ticks / 2));
        _sweeper = time.CreateTimer(static s => ((DestinationMapper)s!).EvictIdle(), this, period, period);
    }

    /// <summary>Gets how many destinations have engine state in this process.</summary>
    public int StateCount => _states.Count;

    /// <summary>The runtime of a stored destination (from its state when the version is unchanged). Throws when the record cannot be read (for example a secret that no longer decrypts).</summary>
    public DestinationRuntime ToRuntime(DestinationRecord record) => GetState(record).Runtime;

    /// <summary>The state of a stored destination, rebuilt when its version changed. Throws when the record cannot be read.</summary>
    public DestinationState GetState(DestinationRecord record)
    {
        var key = (record.TenantId, record.Id);
        var now = _time.GetUtcNow().UtcTicks;
        if (_states.TryGetValue(key, out var state))
        {
            var cached = state.Runtime;
            if (cached.Record.Version == record.Version && cached.Record.UpdatedAt == record.UpdatedAt && cached.Record.ProtectedAuth == record.ProtectedAuth && cached.Record.ConfigJson == record.ConfigJson)
            {
                state.Touch(now);
                if (ReferenceEquals(cached.Record, record) || cached.Record == record)
                {
                    return state;
                }

                // Same settings, different health: keep the parsed parts and copy only the record's own fields.
                var visible = WithRecord(cached.Public, record);
                state.Runtime = new DestinationRuntime
                {
                    Record = record,
                    Config = cached.Config,
                    Auth = cached.Auth,
                    Subscriptions = cached.Subscriptions,
                    Filter = cached.Filter,
                    Url = cached.Url,
                    Public = visible,
                    Masked = ReferenceEquals(cached.Masked, cached.Public) ? visible : WithRecord(cached.Masked, record),
                    State = state,
                };
                return state;
            }
        }

        var version = VersionOf(record);
        var fresh = new DestinationState(version, now);
        fresh.Runtime = CreateRuntime(record, UnprotectAuth(record.ProtectedAuth), fresh);

        // Workers that miss together build one state each: keep the first of this version, so they share one token
        // bucket, gate and breaker (a state per worker would multiply the destination's rate limit).
        var current = _states.AddOrUpdate(key, fresh, (_, existing) => existing.Version == version ? existing : fresh);
        if (state is not null && !ReferenceEquals(state, current) && state.Version != version)
        {
            // The previous version's state is replaced: its certificate and pool go once its attempts end.
            state.Retire();
        }

        return current;
    }

    /// <summary>
    /// The freshest runtime of a destination routed from a snapshot: its state's runtime when that is of the same or a
    /// later version (it carries the latest health fields this instance has seen), else the snapshot's.
    /// </summary>
    public DestinationRuntime Current(DestinationRuntime routed)
    {
        var record = routed.Record;
        if (_states.TryGetValue((record.TenantId, record.Id), out var state))
        {
            var current = state.Runtime;
            if (current.Record.Version > record.Version
                || (current.Record.Version == record.Version && current.Record.UpdatedAt == record.UpdatedAt))
            {
                state.Touch(_time.GetUtcNow().UtcTicks);
                return current;
            }
        }

        return ToRuntime(record);
    }

    /// <summary>
    /// What routing needs of a destination whose secrets cannot be read: its subscriptions and ordering come from the
    /// plain settings, so its deliveries are still queued (and then fail with the reason) instead of being lost.
    /// </summary>
    public (SubscriptionSet Subscriptions, bool Ordered, int RetryCount)? RouteWithoutSecrets(DestinationRecord record)
    {
        try
        {
            var config = DestinationConfig.Parse(record.ConfigJson);
            return (
                SubscriptionSet.Compile(config.Subscriptions.Count > 0 ? config.Subscriptions : _options.Value.DefaultSubscriptions),
                config.OrderedDelivery || config.Correlation is not null,
                config.RetryCount);
        }
#pragma warning disable CA1031 // A record whose plain settings cannot be parsed either is skipped by the caller.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    /// <summary>Describes why a record cannot be read, without any secret.</summary>
    public static string DescribeUnreadable(Exception exception)
        => "The destination's settings cannot be read (" + exception.GetType().Name + ": " + exception.Message + "). Was the secret key changed?";

    /// <summary>The version a state is built from: it changes whenever the settings change.</summary>
    public static string VersionOf(DestinationRecord record)
        => string.Concat(record.Id, "@", record.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), "@", record.UpdatedAt.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public void Dispose()
    {
        _sweeper.Dispose();
        foreach (var state in _states.Values)
        {
            state.Retire();
        }
    }

    /// <summary>Drops the state of destinations unused for the idle timeout (never one an attempt is using).</summary>
    internal void EvictIdle()
    {
        var cutoff = _time.GetUtcNow().UtcTicks - _idleTicks;
        foreach (var (key, state) in _states)
        {
            if (state.LastUsedTicks <= cutoff && !state.InUse && _states.TryRemove(new KeyValuePair<(string Tenant, string Id), DestinationState>(key, state)))
            {
                state.Retire();
            }
        }
    }

    /// <summary>A runtime that is not cached (unsaved drafts).</summary>
    public DestinationRuntime CreateRuntime(DestinationRecord record, WebhookAuth auth) => CreateRuntime(record, auth, state: null);

    private DestinationRuntime CreateRuntime(DestinationRecord record, WebhookAuth auth, DestinationState? state)
    {
        var config = DestinationConfig.Parse(record.ConfigJson);
        foreach (var name in SecretSettings(config.Format))
        {
            if (config.FormatSettings.TryGetValue(name, out var value) && value.StartsWith(ProtectedSettingPrefix, StringComparison.Ordinal))
            {
                config.FormatSettings[name] = _protector.Unprotect(value[ProtectedSettingPrefix.Length..]);
            }
        }

        var visible = ToPublic(record, config, auth);
        return new DestinationRuntime
        {
            Record = record,
            Config = config,
            Auth = auth,
            Subscriptions = SubscriptionSet.Compile(config.Subscriptions.Count > 0 ? config.Subscriptions : _options.Value.DefaultSubscriptions),
            Filter = config.Filter is { } filter ? Routing.Filters.EventFilter.Compile(filter) : null,
            Url = new Uri(config.Url, UriKind.Absolute),
            Public = visible,
            Masked = Mask(visible),
            State = state,
        };
    }

    /// <summary>The settings JSON to store: the format's secret settings go through the <see cref="ISecretProtector"/>.</summary>
    public string ToStoredJson(DestinationConfig config)
    {
        var secrets = SecretSettings(config.Format);
        if (secrets.Count == 0 || !config.FormatSettings.Keys.Any(secrets.Contains))
        {
            return config.ToJson();
        }

        var stored = DestinationConfig.Parse(config.ToJson());
        foreach (var name in stored.FormatSettings.Keys.Where(secrets.Contains).ToArray())
        {
            stored.FormatSettings[name] = ProtectedSettingPrefix + _protector.Protect(stored.FormatSettings[name]);
        }

        return stored.ToJson();
    }

    /// <summary>The names of a format's secret settings (case-insensitive).</summary>
    public IReadOnlySet<string> SecretSettings(string format)
        => _formatters.TryGet(format, out var formatter) && formatter.SecretSettings.Count > 0
            ? new HashSet<string>(formatter.SecretSettings, StringComparer.OrdinalIgnoreCase)
            : EmptySet;

    private static readonly IReadOnlySet<string> EmptySet = new HashSet<string>();

    private WebhookDestination Mask(WebhookDestination visible)
    {
        var secrets = SecretSettings(visible.Format);
        if (secrets.Count == 0 || !visible.FormatSettings.Keys.Any(secrets.Contains))
        {
            return visible;
        }

        var masked = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in visible.FormatSettings)
        {
            masked[name] = secrets.Contains(name) ? Auth.SecretHints.Fingerprint(value) : value;
        }

        return visible with { FormatSettings = masked };
    }

    private static WebhookDestination WithRecord(WebhookDestination d, DestinationRecord record) => d with
    {
        Name = record.Name,
        Enabled = record.Enabled,
        CreatedAt = record.CreatedAt,
        UpdatedAt = record.UpdatedAt,
        Version = record.Version,
        LastSuccessAt = record.LastSuccessAt,
        LastFailureAt = record.LastFailureAt,
        ConsecutiveFailures = record.ConsecutiveFailures,
        DisabledReason = record.DisabledReason,
    };

    public void Forget(string tenantId, string id)
    {
        if (_states.TryRemove((tenantId, id), out var state))
        {
            state.Retire();
        }
    }

    public WebhookDestination ToPublic(DestinationRecord record, DestinationConfig config, WebhookAuth auth) => new()
    {
        Id = record.Id,
        TenantId = record.TenantId,
        Name = record.Name,
        Url = config.Url,
        Enabled = record.Enabled,
        Method = config.Method,
        Format = config.Format,
        Auth = _authenticators.Get(auth.Kind).Describe(auth),
        Headers = new Dictionary<string, string>(config.Headers, StringComparer.OrdinalIgnoreCase),
        Subscriptions = config.Subscriptions.ToArray(),
        RetryCount = config.RetryCount,
        AttemptTimeout = TimeSpan.FromMilliseconds(config.AttemptTimeoutMs),
        RateLimit = config.RateLimit,
        FormatSettings = new Dictionary<string, string>(config.FormatSettings, StringComparer.OrdinalIgnoreCase),
        TextFormat = config.TextFormat,
        BodyTemplate = config.BodyTemplate,
        Correlation = config.Correlation,
        OrderedDelivery = config.OrderedDelivery || config.Correlation is not null,
        PropagateTraceContext = config.PropagateTraceContext,
        Filter = config.Filter,
        AllowedPrivateNetworks = config.PrivateNetworks is { Count: > 0 } networks ? networks.ToArray() : [],
        CreatedAt = record.CreatedAt,
        UpdatedAt = record.UpdatedAt,
        Version = record.Version,
        LastSuccessAt = record.LastSuccessAt,
        LastFailureAt = record.LastFailureAt,
        ConsecutiveFailures = record.ConsecutiveFailures,
        DisabledReason = record.DisabledReason,
    };

    public string? ProtectAuth(WebhookAuth? auth)
        => auth is null or NoWebhookAuth ? null : _protector.Protect(JsonSerializer.Serialize(auth, _authenticators.JsonOptions));

    public WebhookAuth UnprotectAuth(string? protectedAuth)
        => protectedAuth is null
            ? NoWebhookAuth.Instance
            : JsonSerializer.Deserialize<WebhookAuth>(_protector.Unprotect(protectedAuth), _authenticators.JsonOptions) ?? NoWebhookAuth.Instance;
}

/// <summary>The registered authenticators by kind.</summary>
internal sealed class AuthenticatorRegistry
{
    private readonly Dictionary<string, IWebhookAuthenticator> _byKind;

    public AuthenticatorRegistry(IEnumerable<IWebhookAuthenticator> authenticators)
    {
        _byKind = new Dictionary<string, IWebhookAuthenticator>(StringComparer.OrdinalIgnoreCase);
        foreach (var authenticator in authenticators)
        {
            _byKind[authenticator.Kind] = authenticator;
        }

        JsonOptions = Auth.AuthJson.Create(_byKind.Values);
    }

    /// <summary>Gets the options that serialize <see cref="WebhookAuth"/>, custom kinds included.</summary>
    public System.Text.Json.JsonSerializerOptions JsonOptions { get; }

    public bool TryGet(string kind, out IWebhookAuthenticator authenticator) => _byKind.TryGetValue(kind, out authenticator!);

    public IWebhookAuthenticator Get(string kind)
        => _byKind.TryGetValue(kind, out var a) ? a : throw new InvalidOperationException($"No authenticator is registered for auth kind '{kind}'.");
}

/// <summary>The registered formatters by name; a later registration of a name replaces an earlier one.</summary>
internal sealed class FormatterRegistry
{
    private readonly Dictionary<string, IWebhookFormatter> _byName;

    public FormatterRegistry(IEnumerable<IWebhookFormatter> formatters)
    {
        _byName = new Dictionary<string, IWebhookFormatter>(StringComparer.OrdinalIgnoreCase);
        foreach (var formatter in formatters)
        {
            _byName[formatter.Name] = formatter;
        }
    }

    public IEnumerable<string> Names => _byName.Keys.Order(StringComparer.Ordinal);

    public bool TryGet(string name, out IWebhookFormatter formatter) => _byName.TryGetValue(name, out formatter!);

    public IWebhookFormatter Get(string name)
        => _byName.TryGetValue(name, out var f) ? f : throw new InvalidOperationException($"No formatter is registered for format '{name}'.");
}

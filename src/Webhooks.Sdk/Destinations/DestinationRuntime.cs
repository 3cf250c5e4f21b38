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

    public required Uri Url { get; init; }

    public string TenantId => Record.TenantId;

    public string Id => Record.Id;

    /// <summary>A key that changes whenever the settings change (for per-destination caches).</summary>
    public string Version => string.Concat(Record.Id, "@", Record.UpdatedAt.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>Turns store records into runtimes (cached by version) and definitions into records, protecting secrets.</summary>
internal sealed class DestinationMapper
{
    /// <summary>Marks a format setting value stored through the <see cref="ISecretProtector"/>.</summary>
    private const string ProtectedSettingPrefix = "protected:";

    private readonly ISecretProtector _protector;
    private readonly AuthenticatorRegistry _authenticators;
    private readonly FormatterRegistry _formatters;
    private readonly Microsoft.Extensions.Options.IOptions<WebhooksOptions> _options;
    private readonly ConcurrentDictionary<(string Tenant, string Id), DestinationRuntime> _cache = new();

    public DestinationMapper(ISecretProtector protector, AuthenticatorRegistry authenticators, FormatterRegistry formatters, Microsoft.Extensions.Options.IOptions<WebhooksOptions> options)
    {
        _protector = protector;
        _authenticators = authenticators;
        _formatters = formatters;
        _options = options;
    }

    public DestinationRuntime ToRuntime(DestinationRecord record)
    {
        var key = (record.TenantId, record.Id);
        if (_cache.TryGetValue(key, out var cached) && cached.Record.Version == record.Version && cached.Record.UpdatedAt == record.UpdatedAt && cached.Record.ProtectedAuth == record.ProtectedAuth)
        {
            if (ReferenceEquals(cached.Record, record) || cached.Record == record)
            {
                return cached;
            }

            // Same settings, different health: keep the parsed parts and copy only the record's own fields.
            var visible = WithRecord(cached.Public, record);
            var refreshed = new DestinationRuntime
            {
                Record = record,
                Config = cached.Config,
                Auth = cached.Auth,
                Subscriptions = cached.Subscriptions,
                Url = cached.Url,
                Public = visible,
                Masked = ReferenceEquals(cached.Masked, cached.Public) ? visible : WithRecord(cached.Masked, record),
            };
            _cache[key] = refreshed;
            return refreshed;
        }

        var runtime = CreateRuntime(record, UnprotectAuth(record.ProtectedAuth));
        _cache[key] = runtime;
        return runtime;
    }

    /// <summary>A runtime that is not cached (unsaved drafts).</summary>
    public DestinationRuntime CreateRuntime(DestinationRecord record, WebhookAuth auth)
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
            Url = new Uri(config.Url, UriKind.Absolute),
            Public = visible,
            Masked = Mask(visible),
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
        LastSuccessAt = record.LastSuccessAt,
        LastFailureAt = record.LastFailureAt,
        ConsecutiveFailures = record.ConsecutiveFailures,
        DisabledReason = record.DisabledReason,
    };

    public void Forget(string tenantId, string id) => _cache.TryRemove((tenantId, id), out _);

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
        CreatedAt = record.CreatedAt,
        UpdatedAt = record.UpdatedAt,
        LastSuccessAt = record.LastSuccessAt,
        LastFailureAt = record.LastFailureAt,
        ConsecutiveFailures = record.ConsecutiveFailures,
        DisabledReason = record.DisabledReason,
    };

    public string? ProtectAuth(WebhookAuth? auth)
        => auth is null or NoWebhookAuth ? null : _protector.Protect(JsonSerializer.Serialize(auth, DestinationConfig.JsonOptions));

    public WebhookAuth UnprotectAuth(string? protectedAuth)
        => protectedAuth is null
            ? NoWebhookAuth.Instance
            : JsonSerializer.Deserialize<WebhookAuth>(_protector.Unprotect(protectedAuth), DestinationConfig.JsonOptions) ?? NoWebhookAuth.Instance;
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
    }

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

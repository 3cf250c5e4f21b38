using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Internal;

namespace Webhooks.Sdk.Auth;

/// <summary>OAuth2 client credentials: a cached bearer token, fetched once under concurrency and refreshed once on a 401.</summary>
internal sealed class OAuth2ClientCredentialsAuthenticator : IWebhookAuthenticator
{
    /// <summary>The name of the HTTP client used for token requests (same guarded primary handler as deliveries).</summary>
    public const string HttpClientName = "Webhooks.Sdk.OAuth2";

    private const int MaxTokenResponseBytes = 64 * 1024;
    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxRefreshMargin = TimeSpan.FromSeconds(60);

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly IOptions<WebhooksOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public OAuth2ClientCredentialsAuthenticator(IHttpClientFactory httpClientFactory, IOptions<WebhooksOptions> options, TimeProvider time, ILogger<OAuth2ClientCredentialsAuthenticator> logger)
    {
        _httpClientFactory = httpClientFactory;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public string Kind => WebhookAuthKinds.OAuth2ClientCredentials;

    public void Validate(WebhookAuth auth, IList<WebhookValidationError> errors)
    {
        var oauth = (OAuth2ClientCredentialsWebhookAuth)auth;
        if (string.IsNullOrWhiteSpace(oauth.TokenEndpoint) || !Uri.TryCreate(oauth.TokenEndpoint, UriKind.Absolute, out var endpoint) || string.IsNullOrEmpty(endpoint.Host))
        {
            errors.Add(new("Auth.TokenEndpoint", "is not a valid absolute URL"));
        }
        else if (!string.IsNullOrEmpty(endpoint.UserInfo))
        {
            errors.Add(new("Auth.TokenEndpoint", "must not contain user info"));
        }
        else if (endpoint.Scheme != Uri.UriSchemeHttps && !(endpoint.Scheme == Uri.UriSchemeHttp && _options.Value.Safety.DangerouslyAllowHttp))
        {
            errors.Add(new("Auth.TokenEndpoint", "must use https"));
        }

        if (string.IsNullOrWhiteSpace(oauth.ClientId))
        {
            errors.Add(new("Auth.ClientId", "is required"));
        }

        if (string.IsNullOrEmpty(oauth.ClientSecret))
        {
            errors.Add(new("Auth.ClientSecret", "is required"));
        }
    }

    public WebhookAuthDescription Describe(WebhookAuth auth)
    {
        var oauth = (OAuth2ClientCredentialsWebhookAuth)auth;
        var settings = new Dictionary<string, string>
        {
            ["TokenEndpoint"] = Redaction.Url(oauth.TokenEndpoint),
            ["ClientId"] = oauth.ClientId,
        };
        if (oauth.Scope is not null)
        {
            settings["Scope"] = oauth.Scope;
        }

        if (oauth.Audience is not null)
        {
            settings["Audience"] = oauth.Audience;
        }

        return new()
        {
            Kind = Kind,
            Settings = settings,
            SecretHints = string.IsNullOrEmpty(oauth.ClientSecret) ? new Dictionary<string, string>() : new Dictionary<string, string> { ["ClientSecret"] = SecretHints.Fingerprint(oauth.ClientSecret) },
        };
    }

    public WebhookAuth Merge(WebhookAuth current, WebhookAuth update)
    {
        var u = (OAuth2ClientCredentialsWebhookAuth)update;
        if (!string.IsNullOrEmpty(u.ClientSecret))
        {
            return u;
        }

        return new OAuth2ClientCredentialsWebhookAuth
        {
            TokenEndpoint = u.TokenEndpoint,
            ClientId = u.ClientId,
            ClientSecret = ((OAuth2ClientCredentialsWebhookAuth)current).ClientSecret,
            Scope = u.Scope,
            Audience = u.Audience,
            SendCredentialsInBody = u.SendCredentialsInBody,
        };
    }

    public async ValueTask ApplyAsync(WebhookAuthContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var token = await GetTokenAsync((OAuth2ClientCredentialsWebhookAuth)context.Auth, Entry(context), cancellationToken).ConfigureAwait(false);
        context.Request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public ValueTask<bool> OnUnauthorizedAsync(WebhookAuthContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var entry = Entry(context);
        var used = context.Request.Headers.Authorization?.Parameter;
        lock (entry.Sync)
        {
            // Only drop the token that was refused; a concurrent refresh may already have replaced it.
            if (entry.Token is not null && string.Equals(entry.Token, used, StringComparison.Ordinal))
            {
                entry.Token = null;
            }
        }

        Log.TokenRefused(_logger, context.DestinationId);
        return ValueTask.FromResult(true);
    }

    /// <summary>
    /// The token of the destination's version lives in its engine state, so it goes with it (a changed secret is a new
    /// version, a deleted or idle destination drops its state). A draft has no state: its test fetches its own token.
    /// </summary>
    private static TokenEntry Entry(WebhookAuthContext context)
        => context.State is { } state ? state.AuthState(static () => new TokenEntry()) : new TokenEntry();

    private async ValueTask<string> GetTokenAsync(OAuth2ClientCredentialsWebhookAuth auth, TokenEntry entry, CancellationToken cancellationToken)
    {
        if (entry.TryGet(_time.GetUtcNow()) is { } cached)
        {
            return cached;
        }

        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (entry.TryGet(_time.GetUtcNow()) is { } fetchedMeanwhile)
            {
                return fetchedMeanwhile;
            }

            var (token, lifetime) = await FetchAsync(auth, cancellationToken).ConfigureAwait(false);
            var margin = TimeSpan.FromTicks(Math.Min(MaxRefreshMargin.Ticks, lifetime.Ticks / 2));
            lock (entry.Sync)
            {
                entry.Token = token;
                entry.RefreshAt = _time.GetUtcNow() + lifetime - margin;
            }

            return token;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    private async Task<(string Token, TimeSpan Lifetime)> FetchAsync(OAuth2ClientCredentialsWebhookAuth auth, CancellationToken cancellationToken)
    {
        var endpoint = new Uri(auth.TokenEndpoint, UriKind.Absolute);
        var form = new List<KeyValuePair<string, string>> { new("grant_type", "client_credentials") };
        if (!string.IsNullOrWhiteSpace(auth.Scope))
        {
            form.Add(new("scope", auth.Scope));
        }

        if (!string.IsNullOrWhiteSpace(auth.Audience))
        {
            form.Add(new("audience", auth.Audience));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint);
        if (auth.SendCredentialsInBody)
        {
            form.Add(new("client_id", auth.ClientId));
            form.Add(new("client_secret", auth.ClientSecret ?? string.Empty));
        }
        else
        {
            // RFC 6749 §2.3.1: both parts are form-url-encoded before the Basic encoding.
            var pair = Uri.EscapeDataString(auth.ClientId) + ":" + Uri.EscapeDataString(auth.ClientSecret ?? string.Empty);
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)));
        }

        request.Content = new FormUrlEncodedContent(form);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var client = _httpClientFactory.CreateClient(HttpClientName);
        var safeEndpoint = Redaction.Url(endpoint);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            Log.TokenRequestFailed(_logger, safeEndpoint, (int)response.StatusCode);
            throw new HttpRequestException($"The OAuth2 token endpoint {safeEndpoint} answered HTTP {(int)response.StatusCode}.", null, response.StatusCode);
        }

        var text = await Delivery.DeliverySender.ReadExcerptAsync(response.Content, MaxTokenResponseBytes, cancellationToken).ConfigureAwait(false);
        string? token = null;
        TimeSpan lifetime = DefaultLifetime;
        try
        {
            using var json = JsonDocument.Parse(text ?? string.Empty);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("access_token", out var at) && at.ValueKind == JsonValueKind.String)
            {
                token = at.GetString();
            }

            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("token_type", out var type) && type.ValueKind == JsonValueKind.String
                && !string.Equals(type.GetString(), "bearer", StringComparison.OrdinalIgnoreCase))
            {
                token = null;
            }

            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("expires_in", out var expires))
            {
                var seconds = expires.ValueKind == JsonValueKind.Number && expires.TryGetInt64(out var n) ? n
                    : expires.ValueKind == JsonValueKind.String && long.TryParse(expires.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var s) ? s
                    : -1;
                if (seconds > 0)
                {
                    lifetime = TimeSpan.FromSeconds(Math.Min(seconds, 86_400 * 30));
                }
            }
        }
        catch (JsonException)
        {
            token = null;
        }

        if (string.IsNullOrEmpty(token) || !SecretHints.IsSafeValue(token))
        {
            Log.TokenRequestFailed(_logger, safeEndpoint, (int)response.StatusCode);
            throw new HttpRequestException($"The OAuth2 token endpoint {safeEndpoint} did not return a bearer access_token.", null, HttpStatusCode.BadGateway);
        }

        Log.TokenFetched(_logger, safeEndpoint, (long)lifetime.TotalSeconds);
        return (token, lifetime);
    }

    private sealed class TokenEntry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public Lock Sync { get; } = new();

        public string? Token { get; set; }

        public DateTimeOffset RefreshAt { get; set; }

        public string? TryGet(DateTimeOffset now)
        {
            lock (Sync)
            {
                return Token is not null && now < RefreshAt ? Token : null;
            }
        }
    }
}

using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;

namespace Webhooks.Sdk.Auth;

/// <summary>HTTP Basic: <c>Authorization: Basic base64(username:password)</c>.</summary>
internal sealed class BasicAuthenticator : IWebhookAuthenticator
{
    public string Kind => WebhookAuthKinds.Basic;

    public void Validate(WebhookAuth auth, IList<WebhookValidationError> errors)
    {
        var basic = (BasicWebhookAuth)auth;
        if (string.IsNullOrEmpty(basic.Username))
        {
            errors.Add(new("Auth.Username", "is required"));
        }
        else if (basic.Username.Contains(':', StringComparison.Ordinal))
        {
            errors.Add(new("Auth.Username", "must not contain ':' (HTTP Basic separates username and password with it)"));
        }
        else if (!SecretHints.IsSafeValue(basic.Username) || basic.Username.Any(char.IsControl))
        {
            errors.Add(new("Auth.Username", "must not contain control characters"));
        }

        if (string.IsNullOrEmpty(basic.Password))
        {
            errors.Add(new("Auth.Password", "is required"));
        }
        else if (basic.Password.Any(char.IsControl))
        {
            errors.Add(new("Auth.Password", "must not contain control characters"));
        }
    }

    public WebhookAuthDescription Describe(WebhookAuth auth)
    {
        var basic = (BasicWebhookAuth)auth;
        return new()
        {
            Kind = Kind,
            Settings = new Dictionary<string, string> { ["Username"] = basic.Username },
            SecretHints = string.IsNullOrEmpty(basic.Password) ? new Dictionary<string, string>() : new Dictionary<string, string> { ["Password"] = SecretHints.Set },
        };
    }

    public WebhookAuth Merge(WebhookAuth current, WebhookAuth update)
    {
        var c = (BasicWebhookAuth)current;
        var u = (BasicWebhookAuth)update;
        return new BasicWebhookAuth { Username = string.IsNullOrEmpty(u.Username) ? c.Username : u.Username, Password = string.IsNullOrEmpty(u.Password) ? c.Password : u.Password };
    }

    public ValueTask ApplyAsync(WebhookAuthContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var basic = (BasicWebhookAuth)context.Auth;
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes(basic.Username + ":" + basic.Password));
        context.Request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials);
        return ValueTask.CompletedTask;
    }
}

/// <summary>A bearer token: <c>Authorization: Bearer &lt;token&gt;</c>.</summary>
internal sealed class BearerTokenAuthenticator : IWebhookAuthenticator
{
    public string Kind => WebhookAuthKinds.Bearer;

    public void Validate(WebhookAuth auth, IList<WebhookValidationError> errors)
    {
        var token = ((BearerTokenWebhookAuth)auth).Token;
        if (string.IsNullOrEmpty(token))
        {
            errors.Add(new("Auth.Token", "is required"));
        }
        else if (!SecretHints.IsSafeValue(token) || token.Any(c => char.IsControl(c) || c == ' '))
        {
            errors.Add(new("Auth.Token", "must not contain spaces or control characters"));
        }
    }

    public WebhookAuthDescription Describe(WebhookAuth auth)
    {
        var token = ((BearerTokenWebhookAuth)auth).Token;
        return new()
        {
            Kind = Kind,
            SecretHints = string.IsNullOrEmpty(token) ? new Dictionary<string, string>() : new Dictionary<string, string> { ["Token"] = SecretHints.Fingerprint(token) },
        };
    }

    public WebhookAuth Merge(WebhookAuth current, WebhookAuth update)
        => string.IsNullOrEmpty(((BearerTokenWebhookAuth)update).Token) ? current : update;

    public ValueTask ApplyAsync(WebhookAuthContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ((BearerTokenWebhookAuth)context.Auth).Token);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Static secret headers such as <c>X-Api-Key</c>.</summary>
internal sealed class StaticHeadersAuthenticator : IWebhookAuthenticator
{
    private readonly IOptions<WebhooksOptions> _options;

    public StaticHeadersAuthenticator(IOptions<WebhooksOptions> options) => _options = options;

    public string Kind => WebhookAuthKinds.StaticHeaders;

    public void Validate(WebhookAuth auth, IList<WebhookValidationError> errors)
    {
        var headers = ((StaticHeadersWebhookAuth)auth).Headers;
        if (headers is null || headers.Count == 0)
        {
            errors.Add(new("Auth.Headers", "needs at least one header"));
            return;
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            var field = $"Auth.Headers[{name}]";
            SecretHints.ValidateHeaderName(name, field, _options.Value, errors);
            if (!seen.Add(name))
            {
                errors.Add(new(field, "is duplicated (header names are case-insensitive)"));
            }

            if (!SecretHints.IsSafeValue(value))
            {
                errors.Add(new(field, "value is required and must not contain CR or LF"));
            }
        }
    }

    public WebhookAuthDescription Describe(WebhookAuth auth)
    {
        var headers = ((StaticHeadersWebhookAuth)auth).Headers ?? new Dictionary<string, string>();
        return new()
        {
            Kind = Kind,
            Settings = new Dictionary<string, string> { ["Headers"] = string.Join(", ", headers.Keys) },
            SecretHints = headers.Where(h => !string.IsNullOrEmpty(h.Value)).ToDictionary(h => h.Key, h => SecretHints.Fingerprint(h.Value), StringComparer.OrdinalIgnoreCase),
        };
    }

    public WebhookAuth Merge(WebhookAuth current, WebhookAuth update)
    {
        var saved = new Dictionary<string, string>(((StaticHeadersWebhookAuth)current).Headers ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase);
        var merged = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in ((StaticHeadersWebhookAuth)update).Headers ?? new Dictionary<string, string>())
        {
            merged[name] = string.IsNullOrEmpty(value) && saved.TryGetValue(name, out var kept) ? kept : value;
        }

        return new StaticHeadersWebhookAuth { Headers = merged };
    }

    public ValueTask ApplyAsync(WebhookAuthContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = _options.Value;
        foreach (var (name, value) in ((StaticHeadersWebhookAuth)context.Auth).Headers)
        {
            if (!Destinations.HttpHeaderRules.IsReserved(name, options))
            {
                context.Request.Headers.Remove(name);
                context.Request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>A shared secret sent as-is in a named header.</summary>
internal sealed class SharedSecretHeaderAuthenticator : IWebhookAuthenticator
{
    private readonly IOptions<WebhooksOptions> _options;

    public SharedSecretHeaderAuthenticator(IOptions<WebhooksOptions> options) => _options = options;

    public string Kind => WebhookAuthKinds.SharedSecretHeader;

    public void Validate(WebhookAuth auth, IList<WebhookValidationError> errors)
    {
        var shared = (SharedSecretHeaderWebhookAuth)auth;
        SecretHints.ValidateHeaderName(shared.HeaderName, "Auth.HeaderName", _options.Value, errors);
        if (string.IsNullOrEmpty(shared.Secret))
        {
            errors.Add(new("Auth.Secret", "is required"));
        }
        else if (!SecretHints.IsSafeValue(shared.Secret))
        {
            errors.Add(new("Auth.Secret", "must not contain CR or LF"));
        }
    }

    public WebhookAuthDescription Describe(WebhookAuth auth)
    {
        var shared = (SharedSecretHeaderWebhookAuth)auth;
        return new()
        {
            Kind = Kind,
            Settings = new Dictionary<string, string> { ["HeaderName"] = shared.HeaderName },
            SecretHints = string.IsNullOrEmpty(shared.Secret) ? new Dictionary<string, string>() : new Dictionary<string, string> { ["Secret"] = SecretHints.Fingerprint(shared.Secret) },
        };
    }

    public WebhookAuth Merge(WebhookAuth current, WebhookAuth update)
    {
        var u = (SharedSecretHeaderWebhookAuth)update;
        return new SharedSecretHeaderWebhookAuth { HeaderName = u.HeaderName, Secret = string.IsNullOrEmpty(u.Secret) ? ((SharedSecretHeaderWebhookAuth)current).Secret : u.Secret };
    }

    public ValueTask ApplyAsync(WebhookAuthContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var shared = (SharedSecretHeaderWebhookAuth)context.Auth;
        context.Request.Headers.Remove(shared.HeaderName);
        context.Request.Headers.TryAddWithoutValidation(shared.HeaderName, shared.Secret);
        return ValueTask.CompletedTask;
    }
}

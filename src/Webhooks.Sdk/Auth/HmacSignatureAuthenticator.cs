using System.Globalization;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Signing;

namespace Webhooks.Sdk.Auth;

/// <summary>Signs each request with every live secret (the current one and previous ones still inside their overlap window).</summary>
internal sealed class HmacSignatureAuthenticator : IWebhookAuthenticator
{
    private readonly IOptions<WebhooksOptions> _options;
    private readonly TimeProvider _time;

    public HmacSignatureAuthenticator(IOptions<WebhooksOptions> options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    public string Kind => WebhookAuthKinds.HmacSignature;

    public void Validate(WebhookAuth auth, IList<WebhookValidationError> errors)
    {
        var hmac = (HmacSignatureWebhookAuth)auth;
        if (!Enum.IsDefined(hmac.Preset))
        {
            errors.Add(new("Auth.Preset", $"must be one of {string.Join(", ", Enum.GetNames<WebhookSignaturePreset>())}"));
            return;
        }

        if (SignatureCore.CheckSecret(hmac.Preset, hmac.Secret) is { } problem)
        {
            errors.Add(new("Auth.Secret", problem));
        }

        var previous = hmac.PreviousSecrets ?? [];
        if (previous.Count > HmacSignatureWebhookAuth.MaxPreviousSecrets)
        {
            errors.Add(new("Auth.PreviousSecrets", $"must hold at most {HmacSignatureWebhookAuth.MaxPreviousSecrets} secrets"));
        }

        for (var i = 0; i < previous.Count; i++)
        {
            if (SignatureCore.CheckSecret(hmac.Preset, previous[i]?.Secret) is { } old)
            {
                errors.Add(new($"Auth.PreviousSecrets[{i}]", old));
            }
        }

        if (hmac.Preset != WebhookSignaturePreset.Custom)
        {
            return;
        }

        SecretHints.ValidateHeaderName(hmac.HeaderName, "Auth.HeaderName", _options.Value, errors);
        if (hmac.Prefix is { Length: > 32 } || (hmac.Prefix is not null && (hmac.Prefix.Contains(' ', StringComparison.Ordinal) || !SecretHints.IsSafeValue(hmac.Prefix))))
        {
            errors.Add(new("Auth.Prefix", "must be at most 32 characters without spaces, CR or LF"));
        }

        if (!Enum.IsDefined(hmac.Encoding))
        {
            errors.Add(new("Auth.Encoding", "must be Hex or Base64"));
        }

        if (!Enum.IsDefined(hmac.Algorithm))
        {
            errors.Add(new("Auth.Algorithm", "must be Sha256 or Sha512"));
        }

        if (!Enum.IsDefined(hmac.SignedContent))
        {
            errors.Add(new("Auth.SignedContent", "must be Body or TimestampAndBody"));
        }
    }

    public WebhookAuthDescription Describe(WebhookAuth auth)
    {
        var hmac = (HmacSignatureWebhookAuth)auth;
        var spec = SignatureSpec.From(hmac);
        var settings = new Dictionary<string, string>
        {
            ["Preset"] = hmac.Preset.ToString(),
            ["HeaderName"] = spec.HeaderName,
        };
        if (hmac.Preset == WebhookSignaturePreset.Custom)
        {
            settings["Prefix"] = spec.Prefix;
            settings["Encoding"] = spec.Encoding.ToString();
            settings["Algorithm"] = spec.Algorithm.ToString();
            settings["SignedContent"] = spec.SignedContent.ToString();
        }

        var hints = new Dictionary<string, string>();
        if (!string.IsNullOrEmpty(hmac.Secret))
        {
            hints["Secret"] = SecretHints.Fingerprint(hmac.Secret);
        }

        var now = _time.GetUtcNow();
        var live = (hmac.PreviousSecrets ?? []).Where(p => p.ExpiresAt > now).OrderBy(p => p.ExpiresAt).ToArray();
        for (var i = 0; i < live.Length; i++)
        {
            hints[$"PreviousSecrets[{i}]"] = SecretHints.Fingerprint(live[i].Secret) + ", expires " + live[i].ExpiresAt.ToString("O", CultureInfo.InvariantCulture);
        }

        return new() { Kind = Kind, Settings = settings, SecretHints = hints };
    }

    public WebhookAuth Merge(WebhookAuth current, WebhookAuth update)
    {
        var c = (HmacSignatureWebhookAuth)current;
        var u = (HmacSignatureWebhookAuth)update;
        if (!string.IsNullOrEmpty(u.Secret))
        {
            return u;
        }

        return new HmacSignatureWebhookAuth
        {
            Preset = u.Preset,
            Secret = c.Secret,
            PreviousSecrets = u.PreviousSecrets is { Count: > 0 } ? u.PreviousSecrets : c.PreviousSecrets,
            HeaderName = u.HeaderName,
            Prefix = u.Prefix,
            Encoding = u.Encoding,
            Algorithm = u.Algorithm,
            SignedContent = u.SignedContent,
        };
    }

    public ValueTask ApplyAsync(WebhookAuthContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var hmac = (HmacSignatureWebhookAuth)context.Auth;
        var spec = SignatureSpec.From(hmac);
        var key = hmac.CachedKey ??= SignatureCore.DecodeKey(hmac.Preset, hmac.Secret!);
        var timestamp = context.Timestamp.ToUnixTimeSeconds();
        string value;
        if (hmac.PreviousSecrets is not { Count: > 0 } previous)
        {
            value = SignatureCore.CreateHeaderValue(spec, [key], context.MessageId, timestamp, context.Body.Span);
        }
        else
        {
            var now = _time.GetUtcNow();
            var keys = new List<byte[]>(previous.Count + 1) { key };
            foreach (var old in previous)
            {
                if (old.ExpiresAt > now)
                {
                    keys.Add(SignatureCore.DecodeKey(hmac.Preset, old.Secret));
                }
            }

            value = SignatureCore.CreateHeaderValue(spec, keys.ToArray(), context.MessageId, timestamp, context.Body.Span);
        }

        context.Request.Headers.Remove(spec.HeaderName);
        context.Request.Headers.TryAddWithoutValidation(spec.HeaderName, value);
        if (hmac.Preset == WebhookSignaturePreset.GitHub && context.Request.Headers.TryGetValues(Delivery.DeliveryRunId.Header, out var deliveryIds))
        {
            // GitHub receivers read the per-delivery id from their own header name.
            context.Request.Headers.Remove(Delivery.DeliveryRunId.GitHubHeader);
            context.Request.Headers.TryAddWithoutValidation(Delivery.DeliveryRunId.GitHubHeader, deliveryIds);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The settings after a rotation: the new secret signs, the current one keeps signing until <paramref name="now"/> + <paramref name="overlap"/>.</summary>
    public static HmacSignatureWebhookAuth Rotate(HmacSignatureWebhookAuth current, string newSecret, TimeSpan overlap, DateTimeOffset now)
    {
        var previous = new List<WebhookPreviousSecret>();
        if (overlap > TimeSpan.Zero && !string.IsNullOrEmpty(current.Secret))
        {
            // First, so that among secrets expiring at the same moment the one retired last is kept (the sort is stable).
            previous.Add(new WebhookPreviousSecret { Secret = current.Secret, ExpiresAt = now + overlap });
        }

        previous.AddRange((current.PreviousSecrets ?? []).Where(p => p.ExpiresAt > now));
        previous = previous.OrderByDescending(p => p.ExpiresAt).Take(HmacSignatureWebhookAuth.MaxPreviousSecrets).ToList();
        return new HmacSignatureWebhookAuth
        {
            Preset = current.Preset,
            Secret = newSecret,
            PreviousSecrets = previous,
            HeaderName = current.HeaderName,
            Prefix = current.Prefix,
            Encoding = current.Encoding,
            Algorithm = current.Algorithm,
            SignedContent = current.SignedContent,
        };
    }
}

using System.Security.Cryptography;
using System.Text;
using Webhooks.Sdk.Destinations;

namespace Webhooks.Sdk.Auth;

/// <summary>Non-reversible hints for secrets and shared checks of header names and values.</summary>
internal static class SecretHints
{
    /// <summary>The hint for a high-entropy secret: the first 8 hex digits of its SHA-256, enough to tell two secrets apart.</summary>
    public static string Fingerprint(string secret)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), hash);
        return "set (sha256 " + Convert.ToHexStringLower(hash[..4]) + "…)";
    }

    /// <summary>The hint for a low-entropy secret (a password): only that it is set.</summary>
    public const string Set = "set";

    /// <summary>Signature headers of the built-in presets, which a static header may not replace.</summary>
    private static readonly string[] SignatureHeaders = ["webhook-signature", "X-Hub-Signature-256", "Stripe-Signature"];

    /// <summary>Checks a header name chosen by the user for an auth kind.</summary>
    public static void ValidateHeaderName(string? name, string field, WebhooksOptions options, IList<WebhookValidationError> errors)
    {
        if (!HttpHeaderRules.IsToken(name))
        {
            errors.Add(new(field, "is not a valid header name"));
        }
        else if (HttpHeaderRules.IsReserved(name!, options) || SignatureHeaders.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add(new(field, "is set by the library and cannot be replaced"));
        }
    }

    /// <summary>Whether a header value is safe to send (no CR, LF or NUL).</summary>
    public static bool IsSafeValue(string? value)
        => !string.IsNullOrEmpty(value) && value.AsSpan().IndexOfAny('\r', '\n', '\0') < 0;
}

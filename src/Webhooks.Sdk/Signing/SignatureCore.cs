using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Webhooks.Sdk.Signing;

/// <summary>What one signature style signs and how it writes the result.</summary>
internal readonly record struct SignatureSpec(
    WebhookSignaturePreset Preset,
    string HeaderName,
    string Prefix,
    WebhookSignatureEncoding Encoding,
    WebhookSignatureAlgorithm Algorithm,
    WebhookSignedContent SignedContent)
{
    public const string StandardHeader = "webhook-signature";
    public const string GitHubHeader = "X-Hub-Signature-256";
    public const string StripeHeader = "Stripe-Signature";

    public static SignatureSpec StandardWebhooks { get; } = new(WebhookSignaturePreset.StandardWebhooks, StandardHeader, "v1,", WebhookSignatureEncoding.Base64, WebhookSignatureAlgorithm.Sha256, WebhookSignedContent.TimestampAndBody);

    public static SignatureSpec GitHub { get; } = new(WebhookSignaturePreset.GitHub, GitHubHeader, "sha256=", WebhookSignatureEncoding.Hex, WebhookSignatureAlgorithm.Sha256, WebhookSignedContent.Body);

    public static SignatureSpec Stripe { get; } = new(WebhookSignaturePreset.Stripe, StripeHeader, "v1=", WebhookSignatureEncoding.Hex, WebhookSignatureAlgorithm.Sha256, WebhookSignedContent.TimestampAndBody);

    public bool UsesTimestamp => Preset is WebhookSignaturePreset.StandardWebhooks or WebhookSignaturePreset.Stripe || SignedContent == WebhookSignedContent.TimestampAndBody;

    public int MacSize => Algorithm == WebhookSignatureAlgorithm.Sha512 ? 64 : 32;

    public int EncodedSize => Encoding == WebhookSignatureEncoding.Hex ? MacSize * 2 : ((MacSize + 2) / 3) * 4;

    public static SignatureSpec From(HmacSignatureWebhookAuth auth) => auth.Preset switch
    {
        WebhookSignaturePreset.StandardWebhooks => StandardWebhooks,
        WebhookSignaturePreset.GitHub => GitHub,
        WebhookSignaturePreset.Stripe => Stripe,
        _ => new(WebhookSignaturePreset.Custom, auth.HeaderName, auth.Prefix ?? string.Empty, auth.Encoding, auth.Algorithm, auth.SignedContent),
    };
}

/// <summary>The signing and verifying arithmetic shared by the authenticator and the receiver-side verifiers.</summary>
internal static class SignatureCore
{
    public const string StandardSecretPrefix = "whsec_";
    public const int MinStandardKeyBytes = 24;
    public const int MaxStandardKeyBytes = 64;
    public const int MinTextSecretLength = 16;

    /// <summary>The HMAC key of a secret: the base64-decoded bytes after <c>whsec_</c> for Standard Webhooks, the UTF-8 text otherwise.</summary>
    public static byte[] DecodeKey(WebhookSignaturePreset preset, string secret)
    {
        if (preset != WebhookSignaturePreset.StandardWebhooks)
        {
            return Encoding.UTF8.GetBytes(secret);
        }

        var text = secret.StartsWith(StandardSecretPrefix, StringComparison.Ordinal) ? secret[StandardSecretPrefix.Length..] : secret;
        return Convert.FromBase64String(text);
    }

    /// <summary>Why a secret is unusable for a preset, or <see langword="null"/>. Never repeats the secret.</summary>
    public static string? CheckSecret(WebhookSignaturePreset preset, string? secret)
    {
        if (string.IsNullOrEmpty(secret))
        {
            return "is required";
        }

        if (preset != WebhookSignaturePreset.StandardWebhooks)
        {
            return secret.Length < MinTextSecretLength ? $"must be at least {MinTextSecretLength} characters" : null;
        }

        if (!secret.StartsWith(StandardSecretPrefix, StringComparison.Ordinal))
        {
            return $"must start with '{StandardSecretPrefix}' (Standard Webhooks secret format)";
        }

        var body = secret.AsSpan(StandardSecretPrefix.Length);
        var buffer = new byte[Base64.GetMaxDecodedFromUtf8Length(body.Length)];
        if (!Convert.TryFromBase64Chars(body, buffer, out var length))
        {
            return $"is not valid base64 after '{StandardSecretPrefix}'";
        }

        CryptographicOperations.ZeroMemory(buffer);
        return length is < MinStandardKeyBytes or > MaxStandardKeyBytes
            ? $"must be '{StandardSecretPrefix}' + base64 of {MinStandardKeyBytes} to {MaxStandardKeyBytes} bytes, not {length}"
            : null;
    }

    /// <summary>Builds the signature header value: one signature per key, in the preset's layout.</summary>
    public static string CreateHeaderValue(in SignatureSpec spec, ReadOnlySpan<byte[]> keys, string messageId, long timestamp, ReadOnlySpan<byte> body)
    {
        if (keys.IsEmpty)
        {
            throw new ArgumentException("At least one key is required.", nameof(keys));
        }

        Span<char> timestampChars = stackalloc char[20];
        timestamp.TryFormat(timestampChars, out var timestampLength, default, CultureInfo.InvariantCulture);
        timestampChars = timestampChars[..timestampLength];

        var perSignature = spec.Prefix.Length + spec.EncodedSize + 1;
        var capacity = (keys.Length * perSignature) + (spec.Preset == WebhookSignaturePreset.Stripe ? 2 + timestampLength : 0);
        char[]? rentedChars = null;
        Span<char> output = capacity <= 1024 ? stackalloc char[1024] : (rentedChars = ArrayPool<char>.Shared.Rent(capacity));
        byte[]? rentedContent = null;
        try
        {
            var content = BuildContent(spec, messageId, timestampChars, body, out rentedContent);
            Span<byte> mac = stackalloc byte[64];
            mac = mac[..spec.MacSize];
            var written = 0;
            if (spec.Preset == WebhookSignaturePreset.Stripe)
            {
                "t=".CopyTo(output);
                timestampChars.CopyTo(output[2..]);
                written = 2 + timestampLength;
            }

            for (var i = 0; i < keys.Length; i++)
            {
                if (i > 0 || spec.Preset == WebhookSignaturePreset.Stripe)
                {
                    output[written++] = spec.Preset == WebhookSignaturePreset.Stripe ? ',' : ' ';
                }

                ComputeMac(spec.Algorithm, keys[i], content, mac);
                spec.Prefix.CopyTo(output[written..]);
                written += spec.Prefix.Length;
                written += Encode(spec.Encoding, mac, output[written..]);
            }

            return new string(output[..written]);
        }
        finally
        {
            if (rentedContent is not null)
            {
                ArrayPool<byte>.Shared.Return(rentedContent);
            }

            if (rentedChars is not null)
            {
                ArrayPool<char>.Shared.Return(rentedChars);
            }
        }
    }

    /// <summary>Whether any signature in the header matches any key, compared in constant time.</summary>
    public static bool Matches(in SignatureSpec spec, IReadOnlyList<byte[]> keys, string messageId, ReadOnlySpan<char> timestamp, string signatureHeader, ReadOnlySpan<byte> body, out bool anyWellFormed)
    {
        anyWellFormed = false;
        byte[]? rentedContent = null;
        try
        {
            var content = BuildContent(spec, messageId, timestamp, body, out rentedContent);
            Span<byte> expected = stackalloc byte[64 * 8];
            var macSize = spec.MacSize;
            var keyCount = Math.Min(keys.Count, 8);
            for (var k = 0; k < keyCount; k++)
            {
                ComputeMac(spec.Algorithm, keys[k], content, expected.Slice(k * macSize, macSize));
            }

            Span<byte> candidate = stackalloc byte[64];
            var matched = false;
            foreach (var token in EnumerateSignatures(spec, signatureHeader))
            {
                if (!TryDecode(spec.Encoding, token, candidate, out var length) || length != macSize)
                {
                    continue;
                }

                anyWellFormed = true;
                for (var k = 0; k < keyCount; k++)
                {
                    // Every candidate is compared with every key: the time spent does not depend on which one matches.
                    matched |= CryptographicOperations.FixedTimeEquals(candidate[..macSize], expected.Slice(k * macSize, macSize));
                }
            }

            return matched;
        }
        finally
        {
            if (rentedContent is not null)
            {
                ArrayPool<byte>.Shared.Return(rentedContent);
            }
        }
    }

    /// <summary>The <c>t=</c> value of a Stripe-style header, or an empty span.</summary>
    public static ReadOnlySpan<char> StripeTimestamp(string header)
    {
        foreach (var range in header.AsSpan().Split(','))
        {
            var part = header.AsSpan()[range].Trim();
            if (part.StartsWith("t="))
            {
                return part[2..];
            }
        }

        return [];
    }

    private static List<string> EnumerateSignatures(in SignatureSpec spec, string header)
    {
        var result = new List<string>(2);
        if (spec.Preset == WebhookSignaturePreset.Stripe)
        {
            foreach (var range in header.AsSpan().Split(','))
            {
                var part = header.AsSpan()[range].Trim();
                if (part.StartsWith("v1="))
                {
                    result.Add(part[3..].ToString());
                }
            }

            return result;
        }

        foreach (var range in header.AsSpan().Split(' '))
        {
            var part = header.AsSpan()[range].Trim();
            if (part.IsEmpty)
            {
                continue;
            }

            if (spec.Prefix.Length == 0)
            {
                result.Add(part.ToString());
            }
            else if (part.StartsWith(spec.Prefix, StringComparison.OrdinalIgnoreCase))
            {
                result.Add(part[spec.Prefix.Length..].ToString());
            }
        }

        return result;
    }

    private static ReadOnlySpan<byte> BuildContent(in SignatureSpec spec, string messageId, ReadOnlySpan<char> timestamp, ReadOnlySpan<byte> body, out byte[]? rented)
    {
        rented = null;
        if (!spec.UsesTimestamp)
        {
            return body;
        }

        var withId = spec.Preset == WebhookSignaturePreset.StandardWebhooks;
        var idBytes = withId ? Encoding.UTF8.GetByteCount(messageId) + 1 : 0;
        var total = idBytes + timestamp.Length + 1 + body.Length;
        rented = ArrayPool<byte>.Shared.Rent(total);
        var span = rented.AsSpan(0, total);
        var at = 0;
        if (withId)
        {
            at += Encoding.UTF8.GetBytes(messageId, span);
            span[at++] = (byte)'.';
        }

        at += Encoding.UTF8.GetBytes(timestamp, span[at..]);
        span[at++] = (byte)'.';
        body.CopyTo(span[at..]);
        return span;
    }

    private static void ComputeMac(WebhookSignatureAlgorithm algorithm, ReadOnlySpan<byte> key, ReadOnlySpan<byte> content, Span<byte> destination)
    {
        if (algorithm == WebhookSignatureAlgorithm.Sha512)
        {
            HMACSHA512.HashData(key, content, destination);
        }
        else
        {
            HMACSHA256.HashData(key, content, destination);
        }
    }

    private static int Encode(WebhookSignatureEncoding encoding, ReadOnlySpan<byte> mac, Span<char> destination)
    {
        int written;
        if (encoding == WebhookSignatureEncoding.Hex)
        {
            Convert.TryToHexStringLower(mac, destination, out written);
        }
        else
        {
            Convert.TryToBase64Chars(mac, destination, out written);
        }

        return written;
    }

    private static bool TryDecode(WebhookSignatureEncoding encoding, string text, Span<byte> destination, out int written)
    {
        written = 0;
        if (encoding == WebhookSignatureEncoding.Hex)
        {
            if (text.Length > destination.Length * 2 || text.Length % 2 != 0)
            {
                return false;
            }

            return Convert.FromHexString(text, destination, out _, out written) == OperationStatus.Done;
        }

        return text.Length <= 88 && Convert.TryFromBase64String(text, destination, out written);
    }
}

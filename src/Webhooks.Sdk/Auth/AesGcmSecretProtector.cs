using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Auth;

/// <summary>
/// The default secret protector: AES-256-GCM with the key from <see cref="WebhookSecretOptions"/>. With the in-memory
/// store and no key, a random key lives as long as the process (nothing is persisted); with any other store a missing
/// key is a start-up error, never a silent plaintext fallback.
/// </summary>
/// <remarks>
/// Format: <c>v2:</c> + key id + <c>:</c> + base64(nonce[12] ‖ tag[16] ‖ ciphertext). The key id (16 hex digits derived
/// from the key with HMAC-SHA256; it identifies the key without revealing it) says which key protected the value, so
/// <see cref="WebhookSecretOptions.PreviousKeys"/> can be read during a rotation. Values of the earlier format
/// (<c>v1:</c>, no key id) are read with every configured key in turn. A fresh random nonce per value; the version
/// prefix is bound into the tag as associated data. <see cref="AesGcm"/> is not safe for concurrent use on every
/// platform, so each call takes a lock (secrets are protected on save and unprotected once per loaded destination).
/// </remarks>
internal sealed class AesGcmSecretProtector : ISecretProtector, IDisposable
{
    private const string V1 = "v1:";
    private const string V2 = "v2:";
    private const string KeyCheckPrefix = "kcv1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] AssociatedDataV1 = Encoding.ASCII.GetBytes("Webhooks.Sdk.Secret.v1");
    private static readonly byte[] AssociatedDataV2 = Encoding.ASCII.GetBytes("Webhooks.Sdk.Secret.v2");
    private readonly ProtectorKey _current;
    private readonly ProtectorKey[] _all;

    public AesGcmSecretProtector(IOptions<WebhooksOptions> options, IWebhookStore store)
    {
        ArgumentNullException.ThrowIfNull(options);
        var secrets = options.Value.Secrets;
        _current = new ProtectorKey(LoadKey(secrets, store, out var random));
        IsEphemeral = random;
        var keys = new List<ProtectorKey> { _current };
        for (var i = 0; i < secrets.PreviousKeys.Count; i++)
        {
            var previous = new ProtectorKey(Decode(secrets.PreviousKeys[i].Trim(), $"Secrets.PreviousKeys[{i}]"));
            if (keys.All(k => k.Id != previous.Id))
            {
                keys.Add(previous);
            }
        }

        _all = [.. keys];
    }

    /// <summary>Gets a value indicating whether the key is a random one for this process only (in-memory store, no key).</summary>
    public bool IsEphemeral { get; }

    /// <summary>Gets the id of the current key.</summary>
    public string CurrentKeyId => _current.Id;

    /// <summary>Gets the key-check value of the current key, as kept by an <see cref="IWebhookKeyCheckStore"/>.</summary>
    public string CurrentKeyCheck => KeyCheckPrefix + _current.Id;

    /// <summary>Gets the ids of the previous keys.</summary>
    public IReadOnlyList<string> PreviousKeyIds => _all.Skip(1).Select(k => k.Id).ToArray();

    /// <summary>The key id a key-check value names, or the value itself when it is not one.</summary>
    public static string KeyIdOf(string keyCheck)
        => keyCheck.StartsWith(KeyCheckPrefix, StringComparison.Ordinal) ? keyCheck[KeyCheckPrefix.Length..] : keyCheck;

    /// <summary>Whether a protected value was protected with the current key in the current format.</summary>
    public bool IsCurrent(string protectedText)
        => protectedText.StartsWith(V2, StringComparison.Ordinal)
           && protectedText.AsSpan(V2.Length).StartsWith(_current.Id + ":", StringComparison.Ordinal);

    public string Protect(string plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var input = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + TagSize + input.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        lock (_current.Gate)
        {
            _current.Aes.Encrypt(nonce, input, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize), AssociatedDataV2);
        }

        CryptographicOperations.ZeroMemory(input);
        return string.Concat(V2, _current.Id, ":", Convert.ToBase64String(output));
    }

    public string Unprotect(string protectedText)
    {
        ArgumentNullException.ThrowIfNull(protectedText);
        if (protectedText.StartsWith(V2, StringComparison.Ordinal))
        {
            var separator = protectedText.IndexOf(':', V2.Length);
            if (separator < 0)
            {
                throw new CryptographicException("The protected secret has an unknown format.");
            }

            var keyId = protectedText[V2.Length..separator];
            var key = _all.FirstOrDefault(k => k.Id == keyId)
                ?? throw new CryptographicException(
                    $"The protected secret was encrypted with key id '{keyId}', which is neither Secrets.Key (key id '{_current.Id}') nor one of Secrets.PreviousKeys: configure that key.");
            return Decrypt(key, Payload(protectedText[(separator + 1)..]), AssociatedDataV2)
                ?? throw new CryptographicException($"The protected secret cannot be decrypted with key id '{keyId}': it was changed.");
        }

        if (protectedText.StartsWith(V1, StringComparison.Ordinal))
        {
            var data = Payload(protectedText[V1.Length..]);
            foreach (var key in _all)
            {
                if (Decrypt(key, data, AssociatedDataV1) is { } text)
                {
                    return text;
                }
            }

            throw new CryptographicException("The protected secret cannot be decrypted: it was changed or protected with another key (check Secrets.Key / Secrets.KeyFile / Secrets.PreviousKeys).");
        }

        throw new CryptographicException("The protected secret has an unknown format.");
    }

    public void Dispose()
    {
        foreach (var key in _all)
        {
            key.Aes.Dispose();
        }
    }

    private static byte[] Payload(string base64)
    {
        byte[] data;
        try
        {
            data = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw new CryptographicException("The protected secret is not valid base64.");
        }

        return data.Length < NonceSize + TagSize ? throw new CryptographicException("The protected secret is truncated.") : data;
    }

    private static string? Decrypt(ProtectorKey key, byte[] data, byte[] associatedData)
    {
        var output = new byte[data.Length - NonceSize - TagSize];
        try
        {
            lock (key.Gate)
            {
                key.Aes.Decrypt(data.AsSpan(0, NonceSize), data.AsSpan(NonceSize + TagSize), data.AsSpan(NonceSize, TagSize), output, associatedData);
            }
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(output);
        CryptographicOperations.ZeroMemory(output);
        return text;
    }

    private static byte[] LoadKey(WebhookSecretOptions options, IWebhookStore store, out bool random)
    {
        random = false;
        if (!string.IsNullOrWhiteSpace(options.Key))
        {
            return Decode(options.Key.Trim(), "Secrets.Key");
        }

        if (!string.IsNullOrWhiteSpace(options.KeyFile))
        {
            if (!File.Exists(options.KeyFile))
            {
                throw Error($"Secrets.KeyFile: the key file '{options.KeyFile}' does not exist.");
            }

            var raw = File.ReadAllBytes(options.KeyFile);
            if (raw.Length == 32)
            {
                return raw;
            }

            var text = Encoding.UTF8.GetString(raw).Trim();
            CryptographicOperations.ZeroMemory(raw);
            return Decode(text, "Secrets.KeyFile");
        }

        if (store is InMemoryWebhookStore)
        {
            random = true;
            return RandomNumberGenerator.GetBytes(32);
        }

        throw Error(
            $"Secrets.Key or Secrets.KeyFile is required with a durable store ({store.GetType().Name}): destination secrets are encrypted (AES-256-GCM) before they are stored, "
            + "and there is no plaintext fallback. Generate a key with: openssl rand -base64 32");
    }

    private static byte[] Decode(string base64, string field)
    {
        var key = new byte[48];
        if (!Convert.TryFromBase64String(base64, key, out var length))
        {
            throw Error($"{field}: the key is not valid base64 of 32 bytes.");
        }

        if (length != 32)
        {
            CryptographicOperations.ZeroMemory(key);
            throw Error($"{field}: the key must be 32 bytes (base64 of 32 random bytes), not {length}.");
        }

        var result = key[..32];
        CryptographicOperations.ZeroMemory(key);
        return result;
    }

    private static OptionsValidationException Error(string message)
        => new(nameof(WebhookSecretOptions), typeof(WebhookSecretOptions), [message]);

    private sealed class ProtectorKey
    {
        private static readonly byte[] KeyIdLabel = Encoding.ASCII.GetBytes("Webhooks.Sdk.KeyId");

        public ProtectorKey(byte[] key)
        {
            try
            {
                Id = Convert.ToHexStringLower(HMACSHA256.HashData(key, KeyIdLabel).AsSpan(0, 8));
                Aes = new AesGcm(key, TagSize);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }

        public string Id { get; }

        public AesGcm Aes { get; }

        public Lock Gate { get; } = new();
    }
}

using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Auth;

/// <summary>
/// The default secret protector: AES-256-GCM with a key from <see cref="WebhookSecretOptions"/>. With the in-memory
/// store and no key, a random key lives as long as the process (nothing is persisted); with any other store a missing
/// key is a start-up error, never a silent plaintext fallback.
/// </summary>
/// <remarks>
/// Format: <c>v1:</c> + base64(nonce[12] ‖ tag[16] ‖ ciphertext). A fresh random nonce per value; the version prefix is
/// bound into the tag as associated data. <see cref="AesGcm"/> is not safe for concurrent use on every platform, so each
/// call takes a lock (secrets are protected on save and unprotected once per loaded destination, not per delivery).
/// </remarks>
internal sealed class AesGcmSecretProtector : ISecretProtector, IDisposable
{
    private const string Prefix = "v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] AssociatedData = Encoding.ASCII.GetBytes("Webhooks.Sdk.Secret.v1");
    private readonly AesGcm _aes;
    private readonly Lock _gate = new();

    public AesGcmSecretProtector(IOptions<WebhooksOptions> options, IWebhookStore store)
    {
        ArgumentNullException.ThrowIfNull(options);
        var key = LoadKey(options.Value.Secrets, store);
        try
        {
            _aes = new AesGcm(key, TagSize);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    public string Protect(string plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var input = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + TagSize + input.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        lock (_gate)
        {
            _aes.Encrypt(nonce, input, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize), AssociatedData);
        }

        CryptographicOperations.ZeroMemory(input);
        return Prefix + Convert.ToBase64String(output);
    }

    public string Unprotect(string protectedText)
    {
        ArgumentNullException.ThrowIfNull(protectedText);
        if (!protectedText.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new CryptographicException("The protected secret has an unknown format.");
        }

        byte[] data;
        try
        {
            data = Convert.FromBase64String(protectedText[Prefix.Length..]);
        }
        catch (FormatException)
        {
            throw new CryptographicException("The protected secret is not valid base64.");
        }

        if (data.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("The protected secret is truncated.");
        }

        var output = new byte[data.Length - NonceSize - TagSize];
        try
        {
            lock (_gate)
            {
                _aes.Decrypt(data.AsSpan(0, NonceSize), data.AsSpan(NonceSize + TagSize), data.AsSpan(NonceSize, TagSize), output, AssociatedData);
            }
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new CryptographicException("The protected secret cannot be decrypted: it was changed or protected with another key (check Secrets.Key / Secrets.KeyFile).");
        }

        var text = Encoding.UTF8.GetString(output);
        CryptographicOperations.ZeroMemory(output);
        return text;
    }

    public void Dispose() => _aes.Dispose();

    private static byte[] LoadKey(WebhookSecretOptions options, IWebhookStore store)
    {
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
}

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
internal sealed class AesGcmSecretProtector : ISecretProtector, IDisposable
{
    private const string Prefix = "v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly AesGcm _aes;

    public AesGcmSecretProtector(IOptions<WebhooksOptions> options, IWebhookStore store)
    {
        _aes = new AesGcm(LoadKey(options.Value.Secrets, store), TagSize);
    }

    public string Protect(string plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var input = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + TagSize + input.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        _aes.Encrypt(nonce, input, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize));
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

        var data = Convert.FromBase64String(protectedText[Prefix.Length..]);
        if (data.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("The protected secret is truncated.");
        }

        var output = new byte[data.Length - NonceSize - TagSize];
        _aes.Decrypt(data.AsSpan(0, NonceSize), data.AsSpan(NonceSize + TagSize), data.AsSpan(NonceSize, TagSize), output);
        return Encoding.UTF8.GetString(output);
    }

    public void Dispose() => _aes.Dispose();

    private static byte[] LoadKey(WebhookSecretOptions options, IWebhookStore store)
    {
        if (!string.IsNullOrWhiteSpace(options.Key))
        {
            return Decode(options.Key.Trim(), "Webhooks:Secrets:Key");
        }

        if (!string.IsNullOrWhiteSpace(options.KeyFile))
        {
            if (!File.Exists(options.KeyFile))
            {
                throw new OptionsValidationException(nameof(WebhookSecretOptions), typeof(WebhookSecretOptions), [$"Secrets.KeyFile: the key file '{options.KeyFile}' does not exist."]);
            }

            var raw = File.ReadAllBytes(options.KeyFile);
            return raw.Length == 32 ? raw : Decode(Encoding.UTF8.GetString(raw).Trim(), "Secrets.KeyFile");
        }

        if (store is InMemoryWebhookStore)
        {
            return RandomNumberGenerator.GetBytes(32);
        }

        throw new OptionsValidationException(
            nameof(WebhookSecretOptions),
            typeof(WebhookSecretOptions),
            ["Secrets.Key or Secrets.KeyFile is required with a durable store: destination secrets are encrypted (AES-256-GCM) before they are stored. Generate a key with: openssl rand -base64 32"]);
    }

    private static byte[] Decode(string base64, string field)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw new OptionsValidationException(nameof(WebhookSecretOptions), typeof(WebhookSecretOptions), [$"{field}: the key is not valid base64."]);
        }

        return key.Length == 32
            ? key
            : throw new OptionsValidationException(nameof(WebhookSecretOptions), typeof(WebhookSecretOptions), [$"{field}: the key must be 32 bytes (base64 of 32 random bytes), not {key.Length}."]);
    }
}

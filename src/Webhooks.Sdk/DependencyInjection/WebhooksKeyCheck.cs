using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Auth;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.DependencyInjection;

/// <summary>
/// At start, before anything else of the library runs: compares the master key with the key-check value the store keeps
/// (a store that has none gets the current key's). A key the store has not seen is a start-up error, so a changed or
/// wrong <c>Secrets.Key</c> never surfaces as a failure inside a publish.
/// </summary>
internal sealed partial class WebhooksKeyCheck : IHostedService, IWebhookSecretKeyRotation
{
    private const string ProtectedSettingPrefix = "protected:";
    private readonly IWebhookStore _store;
    private readonly ISecretProtector _protector;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public WebhooksKeyCheck(IWebhookStore store, ISecretProtector protector, ILogger<WebhooksKeyCheck> logger, TimeProvider time)
    {
        _store = store;
        _protector = protector;
        _logger = logger;
        _time = time;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_protector is not AesGcmSecretProtector { IsEphemeral: false } protector || _store is not IWebhookKeyCheckStore keyChecks)
        {
            return;
        }

        string? stored;
        try
        {
            stored = await keyChecks.GetKeyCheckAsync(cancellationToken).ConfigureAwait(false);
            if (stored is null)
            {
                await keyChecks.SetKeyCheckAsync(protector.CurrentKeyCheck, cancellationToken).ConfigureAwait(false);
                return;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The store is unreachable now (the host keeps running and the dispatcher retries): check at the next start.
            LogCheckSkipped(_logger, ex);
            return;
        }

        if (stored == protector.CurrentKeyCheck)
        {
            return;
        }

        var storedId = AesGcmSecretProtector.KeyIdOf(stored);
        if (protector.PreviousKeyIds.Contains(storedId))
        {
            LogRotationPending(_logger, storedId, protector.CurrentKeyId);
            return;
        }

        throw new OptionsValidationException(nameof(WebhookSecretOptions), typeof(WebhookSecretOptions),
        [
            $"Secrets.Key does not match the key this store's secrets were encrypted with (key mismatch): the store expects key id '{storedId}', "
            + $"the configured key has id '{protector.CurrentKeyId}'. Set Secrets.Key (or Secrets.KeyFile) to the original key; "
            + "to change keys, list the original key in Secrets.PreviousKeys and run IWebhookSecretKeyRotation.ReencryptAsync.",
        ]);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<WebhookReencryptionResult> ReencryptAsync(IEnumerable<string>? tenantIds = null, CancellationToken cancellationToken = default)
    {
        if (_protector is not AesGcmSecretProtector protector)
        {
            throw new NotSupportedException($"Re-encryption needs the built-in secret protector; {_protector.GetType().Name} manages its own keys.");
        }

        var examined = 0;
        var rewritten = 0;
        var failed = new List<string>();
        foreach (var tenant in (tenantIds ?? [WebhookTenant.Default]).Select(WebhookTenant.Validate).Distinct(StringComparer.Ordinal))
        {
            string? cursor = null;
            do
            {
                var page = await _store.ListDestinationsAsync(new DestinationListQuery { TenantId = tenant, Limit = 100, Cursor = cursor }, cancellationToken).ConfigureAwait(false);
                foreach (var listed in page.Items)
                {
                    examined++;
                    try
                    {
                        if (await ReprotectAsync(protector, listed, cancellationToken).ConfigureAwait(false))
                        {
                            rewritten++;
                        }
                    }
                    catch (CryptographicException)
                    {
                        failed.Add($"{tenant}/{listed.Id}");
                    }
                }

                cursor = page.NextCursor;
            }
            while (cursor is not null);
        }

        if (failed.Count == 0 && !protector.IsEphemeral && _store is IWebhookKeyCheckStore keyChecks)
        {
            await keyChecks.SetKeyCheckAsync(protector.CurrentKeyCheck, cancellationToken).ConfigureAwait(false);
        }

        LogReencrypted(_logger, examined, rewritten, failed.Count);
        return new WebhookReencryptionResult(examined, rewritten, failed);
    }

    /// <summary>Rewrites one destination's secrets under the current key, guarded by its version (re-read when it changed meanwhile).</summary>
    private async Task<bool> ReprotectAsync(AesGcmSecretProtector protector, DestinationRecord listed, CancellationToken cancellationToken)
    {
        var record = listed;
        for (var attempt = 0; ; attempt++)
        {
            if (Reprotect(protector, record) is not { } change)
            {
                return false;
            }

            try
            {
                await _store.UpdateDestinationAsync(change, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (WebhookConcurrencyException) when (attempt < 3)
            {
                record = await _store.GetDestinationAsync(listed.TenantId, listed.Id, cancellationToken).ConfigureAwait(false);
                if (record is null)
                {
                    return false;
                }
            }
        }
    }

    private DestinationChange? Reprotect(AesGcmSecretProtector protector, DestinationRecord record)
    {
        var auth = record.ProtectedAuth;
        var changed = false;
        if (auth is not null && !protector.IsCurrent(auth))
        {
            auth = protector.Protect(protector.Unprotect(auth));
            changed = true;
        }

        var configJson = record.ConfigJson;
        var config = DestinationConfig.Parse(configJson);
        var settingsChanged = false;
        foreach (var (name, value) in config.FormatSettings.ToArray())
        {
            if (value.StartsWith(ProtectedSettingPrefix, StringComparison.Ordinal) && !protector.IsCurrent(value[ProtectedSettingPrefix.Length..]))
            {
                config.FormatSettings[name] = ProtectedSettingPrefix + protector.Protect(protector.Unprotect(value[ProtectedSettingPrefix.Length..]));
                settingsChanged = true;
            }
        }

        if (settingsChanged)
        {
            configJson = config.ToJson();
        }

        return changed || settingsChanged
            ? new DestinationChange
            {
                TenantId = record.TenantId,
                Id = record.Id,
                ExpectedVersion = record.Version,
                At = _time.GetUtcNow(),
                ConfigJson = settingsChanged ? configJson : null,
                ReplaceAuth = changed,
                ProtectedAuth = auth,
            }
            : null;
    }

    [LoggerMessage(1501, LogLevel.Warning, "Secrets are still encrypted with the previous key id '{StoredKeyId}' (current key id '{CurrentKeyId}'): run IWebhookSecretKeyRotation.ReencryptAsync, then remove the old key from Secrets.PreviousKeys")]
    private static partial void LogRotationPending(ILogger logger, string storedKeyId, string currentKeyId);

    [LoggerMessage(1503, LogLevel.Warning, "The master key could not be checked against the store, which is unreachable; it is checked at the next start")]
    private static partial void LogCheckSkipped(ILogger logger, Exception exception);

    [LoggerMessage(1502, LogLevel.Information, "Re-encryption: {Examined} destinations examined, {Reencrypted} moved to the current key, {Failed} failed")]
    private static partial void LogReencrypted(ILogger logger, int examined, int reencrypted, int failed);
}

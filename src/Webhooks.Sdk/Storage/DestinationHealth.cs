namespace Webhooks.Sdk.Storage;

/// <summary>The health rule every store applies in <see cref="IDestinationStore.RecordDestinationOutcomeAsync"/>; stores that compute it in SQL follow the same rule.</summary>
internal static class DestinationHealth
{
    /// <summary>Applies an outcome to a destination.</summary>
    /// <param name="current">The destination before.</param>
    /// <param name="outcome">The outcome.</param>
    /// <returns>The destination after, and whether this disabled it.</returns>
    public static (DestinationRecord Updated, bool JustDisabled) Apply(DestinationRecord current, DestinationOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.Success)
        {
            return (current with { LastSuccessAt = outcome.At, ConsecutiveFailures = 0 }, false);
        }

        var failures = current.ConsecutiveFailures + 1;
        var updated = current with { LastFailureAt = outcome.At, ConsecutiveFailures = failures };
        string? reason = outcome.DisableNowReason;
        if (reason is null && outcome.DisableAfterConsecutiveFailures is > 0 and var limit && failures >= limit)
        {
            reason = DisabledReasonForFailures(failures);
        }

        if (reason is not null && current.Enabled)
        {
            return (updated with { Enabled = false, DisabledReason = reason }, true);
        }

        return (updated, false);
    }

    /// <summary>The reason recorded when a destination is disabled after consecutive failures.</summary>
    /// <param name="failures">The number of consecutive failures.</param>
    /// <returns>The reason.</returns>
    public static string DisabledReasonForFailures(int failures)
        => $"Disabled automatically after {failures} consecutive failed attempts.";

    /// <summary>Applies a configuration change to a destination: the fields it sets, the updated time and the next version; checks the expected version.</summary>
    /// <param name="current">The destination before.</param>
    /// <param name="change">The change.</param>
    /// <returns>The destination after.</returns>
    /// <exception cref="WebhookConcurrencyException">The change expects another version.</exception>
    public static DestinationRecord ApplyChange(DestinationRecord current, DestinationChange change)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(change);
        if (change.ExpectedVersion is { } expected && expected != current.Version)
        {
            throw new WebhookConcurrencyException(current.TenantId, current.Id, expected, current.Version);
        }

        var updated = current with
        {
            Name = change.Name ?? current.Name,
            ConfigJson = change.ConfigJson ?? current.ConfigJson,
            ProtectedAuth = change.ReplaceAuth ? change.ProtectedAuth : current.ProtectedAuth,
            UpdatedAt = change.At,
            Version = current.Version + 1,
        };
        return change.Enabled switch
        {
            true => updated with { Enabled = true, ConsecutiveFailures = 0, DisabledReason = null },
            false => updated with { Enabled = false, DisabledReason = change.DisabledReason },
            null => updated,
        };
    }
}

using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Storage;

#pragma warning disable CA1707 // Test names follow Member_Scenario_Expectation.
#pragma warning disable CA2007 // Test code runs without a synchronization context.

namespace Webhooks.Sdk.Testing.StoreContract;

/// <summary>The <see cref="IDestinationStore"/> contract: CRUD, cursor listing, the per-tenant cap, optimistic concurrency, and health writes disjoint from configuration writes.</summary>
/// <typeparam name="TFactory">Creates the store under test.</typeparam>
public abstract class DestinationStoreContractTests<TFactory> : StoreContractFixture<TFactory>
    where TFactory : IStoreContractFactory, new()
{
    /// <summary>Checks that an inserted destination reads back field by field.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task InsertDestinationAsync_ThenGet_ReturnsEveryField()
    {
        var d = Destination("t1", "d1", T0) with { ProtectedAuth = "secret-blob", LastSuccessAt = T0.AddSeconds(1), LastFailureAt = T0.AddSeconds(2), ConsecutiveFailures = 3, DisabledReason = "why", Enabled = false };
        await InsertAsync(d);

        var read = await Store.GetDestinationAsync("t1", "d1", default);

        read.Should().BeEquivalentTo(d with { Version = 1 });
    }

    /// <summary>Checks that only enabled destinations are returned for routing.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task GetEnabledDestinationsAsync_DisabledOne_IsLeftOut()
    {
        await InsertAsync(Destination("t1", "on", T0));
        await InsertAsync(Destination("t1", "off", T0) with { Enabled = false });

        var enabled = await Store.GetEnabledDestinationsAsync("t1", default);

        enabled.Select(d => d.Id).Should().Equal("on");
    }

    /// <summary>Checks the health rule: failures count up and disable at the threshold once; success resets.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task RecordDestinationOutcomeAsync_FailuresReachThreshold_DisablesOnce()
    {
        await InsertAsync(Destination("t1", "d1", T0));
        DestinationOutcome Failure(int s) => new() { TenantId = "t1", DestinationId = "d1", At = T0.AddSeconds(s), Success = false, DisableAfterConsecutiveFailures = 2 };

        var first = await Store.RecordDestinationOutcomeAsync(Failure(1), default);
        var second = await Store.RecordDestinationOutcomeAsync(Failure(2), default);
        var third = await Store.RecordDestinationOutcomeAsync(Failure(3), default);

        first!.JustDisabled.Should().BeFalse();
        first.Destination.ConsecutiveFailures.Should().Be(1);
        second!.JustDisabled.Should().BeTrue();
        second.Destination.Enabled.Should().BeFalse();
        second.Destination.DisabledReason.Should().Be(DestinationHealth.DisabledReasonForFailures(2));
        third!.JustDisabled.Should().BeFalse();
        var stored = await Store.GetDestinationAsync("t1", "d1", default);
        stored!.ConsecutiveFailures.Should().Be(3);
        stored.LastFailureAt.Should().Be(T0.AddSeconds(3));
        stored.UpdatedAt.Should().Be(T0, "health writes never touch configuration columns");
        stored.Version.Should().Be(1);
        stored.Enabled.Should().BeFalse();
    }

    /// <summary>Checks that a success resets the counter and a "disable now" reason disables at once.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task RecordDestinationOutcomeAsync_SuccessThenDisableNow_ResetsThenDisables()
    {
        await InsertAsync(Destination("t1", "d1", T0) with { ConsecutiveFailures = 4 });

        var ok = await Store.RecordDestinationOutcomeAsync(new() { TenantId = "t1", DestinationId = "d1", At = T0.AddSeconds(1), Success = true }, default);
        var gone = await Store.RecordDestinationOutcomeAsync(new() { TenantId = "t1", DestinationId = "d1", At = T0.AddSeconds(2), Success = false, DisableNowReason = "410 Gone" }, default);
        var missing = await Store.RecordDestinationOutcomeAsync(new() { TenantId = "t1", DestinationId = "nope", At = T0, Success = true }, default);

        ok!.Destination.ConsecutiveFailures.Should().Be(0);
        ok.Destination.LastSuccessAt.Should().Be(T0.AddSeconds(1));
        gone!.JustDisabled.Should().BeTrue();
        (await Store.GetDestinationAsync("t1", "d1", default))!.DisabledReason.Should().Be("410 Gone");
        missing.Should().BeNull();
    }

    /// <summary>Checks that deleting a destination removes its pending deliveries and correlation ids, keeps final ones.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task DeleteDestinationAsync_RemovesPendingAndCorrelation_KeepsFinalHistory()
    {
        await InsertAsync(Destination("t1", "a", T0));
        var final = Delivery("t1", "e1", "a", T0);
        await Store.EnqueueAsync(Batch("t1", "e1", final), default);
        var lease = (await Store.LeaseDueAsync(LeaseAt(T0, 1), default))[0];
        await Store.CompleteAsync(Succeeded(lease, null), default);
        var pending = Delivery("t1", "e2", "a", T0.AddSeconds(100));
        await Store.EnqueueAsync(Batch("t1", "e2", pending), default);
        await Store.SetCorrelationIdAsync("t1", "a", "key", "ITEM-1", default);

        (await Store.DeleteDestinationAsync("t1", "a", default)).Should().BeTrue();

        (await Store.GetDestinationAsync("t1", "a", default)).Should().BeNull();
        (await Store.GetDeliveryAsync("t1", pending.Id, default)).Should().BeNull();
        (await Store.GetDeliveryAsync("t1", final.Id, default)).Should().NotBeNull();
        (await Store.GetCorrelationIdAsync("t1", "a", "key", default)).Should().BeNull();
        (await Store.GetNextDueTimeAsync(default)).Should().BeNull();
        (await Store.DeleteDestinationAsync("t1", "a", default)).Should().BeFalse();
    }

    /// <summary>Checks that a duplicate id in one tenant is refused and nothing is stored.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task InsertDestinationAsync_DuplicateId_ReturnsAlreadyExists()
    {
        await InsertAsync(Destination("t1", "d1", T0));

        var result = await Store.InsertDestinationAsync(Destination("t1", "d1", T0) with { Name = "second" }, 1000, default);

        result.Should().Be(DestinationInsertResult.AlreadyExists);
        (await Store.GetDestinationAsync("t1", "d1", default))!.Name.Should().Be("dest d1");
    }

    /// <summary>Checks that concurrent inserts are independent: a duplicate fails alone, the others are stored.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task InsertDestinationAsync_ConcurrentWithOneDuplicate_OnlyTheDuplicateFails()
    {
        await InsertAsync(Destination("t1", "d7", T0));

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => Store.InsertDestinationAsync(Destination("t1", "d" + i, T0.AddSeconds(i)), 1000, default))));

        results.Count(r => r != DestinationInsertResult.Inserted).Should().Be(1);
        results[7].Should().Be(DestinationInsertResult.AlreadyExists);
        (await Store.CountDestinationsAsync("t1", default)).Should().Be(20);
    }

    /// <summary>Checks that the per-tenant cap holds under concurrency: 20 concurrent creates against a cap of 10 leave exactly 10.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task InsertDestinationAsync_TwentyConcurrentAgainstCapTen_LeavesExactlyTen()
    {
        await InsertAsync(Destination("t2", "other", T0));

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => Store.InsertDestinationAsync(Destination("t1", "d" + i, T0.AddSeconds(i)), 10, default))));

        results.Count(r => r == DestinationInsertResult.Inserted).Should().Be(10);
        results.Count(r => r == DestinationInsertResult.LimitReached).Should().Be(10);
        (await Store.CountDestinationsAsync("t1", default)).Should().Be(10);
        (await Store.CountDestinationsAsync("t2", default)).Should().Be(1, "the cap counts one tenant only");
    }

    /// <summary>Checks that nothing of one tenant is visible through another.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task Destinations_OtherTenant_AreInvisible()
    {
        await InsertAsync(Destination("t1", "d1", T0));
        await InsertAsync(Destination("t2", "d1", T0) with { Name = "other" });

        (await Store.GetDestinationAsync("t3", "d1", default)).Should().BeNull();
        (await Store.GetDestinationAsync("t2", "d1", default))!.Name.Should().Be("other");
        (await Store.CountDestinationsAsync("t1", default)).Should().Be(1);
        (await Store.ListDestinationsAsync(new DestinationListQuery { TenantId = "t3" }, default)).Items.Should().BeEmpty();
        (await Store.GetEnabledDestinationsAsync("t3", default)).Should().BeEmpty();
        (await Store.UpdateDestinationAsync(new DestinationChange { TenantId = "t3", Id = "d1", At = T0, Name = "x" }, default)).Should().BeNull();
        (await Store.DeleteDestinationAsync("t3", "d1", default)).Should().BeFalse();
    }

    /// <summary>Checks the list order (created time, then id, descending) and cursor paging.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task ListDestinationsAsync_CursorPages_NewestFirstThenIdDescending()
    {
        await InsertAsync(Destination("t1", "a", T0));
        await InsertAsync(Destination("t1", "b", T0.AddSeconds(2)));
        await InsertAsync(Destination("t1", "c", T0.AddSeconds(1)));
        await InsertAsync(Destination("t1", "d", T0.AddSeconds(1)));

        var first = await Store.ListDestinationsAsync(new DestinationListQuery { TenantId = "t1", Limit = 3 }, default);
        var second = await Store.ListDestinationsAsync(new DestinationListQuery { TenantId = "t1", Limit = 3, Cursor = first.NextCursor }, default);

        first.Items.Select(d => d.Id).Should().Equal("b", "d", "c");
        first.NextCursor.Should().NotBeNull();
        second.Items.Select(d => d.Id).Should().Equal("a");
        second.NextCursor.Should().BeNull();
    }

    /// <summary>Checks that walking every page returns each destination once, also when created times tie.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task ListDestinationsAsync_WalkAllPages_ReturnsEachOnce()
    {
        for (var i = 0; i < 25; i++)
        {
            await InsertAsync(Destination("t1", "d" + i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture), T0.AddSeconds(i / 3)));
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await Store.ListDestinationsAsync(new DestinationListQuery { TenantId = "t1", Limit = 4, Cursor = cursor }, default);
            seen.AddRange(page.Items.Select(d => d.Id));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        seen.Should().OnlyHaveUniqueItems().And.HaveCount(25);
        pages.Should().Be(7);
        seen[0].Should().Be("d24");
    }

    /// <summary>Checks that a configuration change writes only the fields it sets and increments the version.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task UpdateDestinationAsync_SomeFields_WritesOnlyThoseAndIncrementsVersion()
    {
        var original = Destination("t1", "d1", T0) with { ProtectedAuth = "auth-1", LastSuccessAt = T0.AddSeconds(5), LastFailureAt = T0.AddSeconds(6), ConsecutiveFailures = 2 };
        await InsertAsync(original);

        var renamed = await Store.UpdateDestinationAsync(new DestinationChange { TenantId = "t1", Id = "d1", ExpectedVersion = 1, At = T0.AddSeconds(10), Name = "renamed" }, default);
        var reconfigured = await Store.UpdateDestinationAsync(new DestinationChange { TenantId = "t1", Id = "d1", ExpectedVersion = 2, At = T0.AddSeconds(11), ConfigJson = "{\"v\":2}", ReplaceAuth = true, ProtectedAuth = "auth-2" }, default);

        renamed!.Version.Should().Be(2);
        renamed.ConfigJson.Should().Be(original.ConfigJson);
        renamed.ProtectedAuth.Should().Be("auth-1");
        var read = await Store.GetDestinationAsync("t1", "d1", default);
        read.Should().BeEquivalentTo(reconfigured);
        read.Should().BeEquivalentTo(original with { Name = "renamed", ConfigJson = "{\"v\":2}", ProtectedAuth = "auth-2", UpdatedAt = T0.AddSeconds(11), Version = 3 });
        (await Store.UpdateDestinationAsync(new DestinationChange { TenantId = "t1", Id = "missing", At = T0, Name = "x" }, default)).Should().BeNull();
    }

    /// <summary>Checks that a write with a stale version fails with the expected and actual versions and writes nothing.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task UpdateDestinationAsync_StaleVersion_ThrowsConcurrencyAndWritesNothing()
    {
        await InsertAsync(Destination("t1", "d1", T0));
        await Store.UpdateDestinationAsync(new DestinationChange { TenantId = "t1", Id = "d1", ExpectedVersion = 1, At = T0.AddSeconds(1), Name = "first" }, default);

        var act = () => Store.UpdateDestinationAsync(new DestinationChange { TenantId = "t1", Id = "d1", ExpectedVersion = 1, At = T0.AddSeconds(2), Name = "stale", ConfigJson = "{}" }, default);

        var error = (await act.Should().ThrowAsync<WebhookConcurrencyException>()).Which;
        error.ExpectedVersion.Should().Be(1);
        error.ActualVersion.Should().Be(2);
        error.DestinationId.Should().Be("d1");
        var read = await Store.GetDestinationAsync("t1", "d1", default);
        read!.Name.Should().Be("first");
        read.Version.Should().Be(2);
        read.UpdatedAt.Should().Be(T0.AddSeconds(1));
    }

    /// <summary>Checks that an auto-disable landing between an update's read and write is not undone by the update.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task UpdateDestinationAsync_AfterAutoDisable_LeavesDestinationDisabled()
    {
        await InsertAsync(Destination("t1", "d1", T0));
        var read = await Store.GetDestinationAsync("t1", "d1", default);

        var health = await Store.RecordDestinationOutcomeAsync(new DestinationOutcome { TenantId = "t1", DestinationId = "d1", At = T0.AddSeconds(1), Success = false, DisableNowReason = "410 Gone" }, default);
        var updated = await Store.UpdateDestinationAsync(new DestinationChange { TenantId = "t1", Id = "d1", ExpectedVersion = read!.Version, At = T0.AddSeconds(2), Name = "renamed", ConfigJson = "{\"v\":2}" }, default);

        health!.JustDisabled.Should().BeTrue();
        health.Destination.Version.Should().Be(1, "health writes do not change the configuration version");
        updated!.Name.Should().Be("renamed");
        var after = await Store.GetDestinationAsync("t1", "d1", default);
        after!.Enabled.Should().BeFalse();
        after.DisabledReason.Should().Be("410 Gone");
        after.ConsecutiveFailures.Should().Be(1);
        after.LastFailureAt.Should().Be(T0.AddSeconds(1));
        (await Store.GetEnabledDestinationsAsync("t1", default)).Should().BeEmpty();
    }

    /// <summary>Checks that an update racing a secret rotation never puts the old secret back.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task UpdateDestinationAsync_RacingRotation_KeepsNewSecret()
    {
        await InsertAsync(Destination("t1", "d1", T0) with { ProtectedAuth = "old-secret" });
        var readByUpdate = await Store.GetDestinationAsync("t1", "d1", default);
        var readByRotation = await Store.GetDestinationAsync("t1", "d1", default);

        await Store.UpdateDestinationAsync(new DestinationChange { TenantId = "t1", Id = "d1", ExpectedVersion = readByRotation!.Version, At = T0.AddSeconds(1), ReplaceAuth = true, ProtectedAuth = "new-secret" }, default);
        var staleUpdate = () => Store.UpdateDestinationAsync(new DestinationChange { TenantId = "t1", Id = "d1", ExpectedVersion = readByUpdate!.Version, At = T0.AddSeconds(2), Name = "renamed", ReplaceAuth = true, ProtectedAuth = readByUpdate.ProtectedAuth }, default);
        await staleUpdate.Should().ThrowAsync<WebhookConcurrencyException>();
        await Store.UpdateDestinationAsync(new DestinationChange { TenantId = "t1", Id = "d1", At = T0.AddSeconds(3), Name = "renamed" }, default);

        var after = await Store.GetDestinationAsync("t1", "d1", default);
        after!.ProtectedAuth.Should().Be("new-secret");
        after.Name.Should().Be("renamed");
    }

    /// <summary>Checks enabling by hand (resets failures and reason) and disabling by hand (records the reason).</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task UpdateDestinationAsync_EnableAndDisableByHand_SetFlagReasonAndCounter()
    {
        await InsertAsync(Destination("t1", "d1", T0));
        await Store.RecordDestinationOutcomeAsync(new DestinationOutcome { TenantId = "t1", DestinationId = "d1", At = T0.AddSeconds(1), Success = false, DisableAfterConsecutiveFailures = 1 }, default);

        var enabled = await Store.UpdateDestinationAsync(new DestinationChange { TenantId = "t1", Id = "d1", At = T0.AddSeconds(2), Enabled = true }, default);
        var disabled = await Store.UpdateDestinationAsync(new DestinationChange { TenantId = "t1", Id = "d1", At = T0.AddSeconds(3), Enabled = false, DisabledReason = "maintenance" }, default);

        enabled!.Enabled.Should().BeTrue();
        enabled.ConsecutiveFailures.Should().Be(0);
        enabled.DisabledReason.Should().BeNull();
        enabled.LastFailureAt.Should().Be(T0.AddSeconds(1));
        disabled!.Enabled.Should().BeFalse();
        disabled.DisabledReason.Should().Be("maintenance");
        disabled.Version.Should().Be(3);
    }
}

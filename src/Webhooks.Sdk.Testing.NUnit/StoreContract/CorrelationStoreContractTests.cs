using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Storage;

#pragma warning disable CA1707 // Test names follow Member_Scenario_Expectation.
#pragma warning disable CA2007 // Test code runs without a synchronization context.

namespace Webhooks.Sdk.Testing.StoreContract;

/// <summary>The <see cref="ICorrelationStore"/> contract.</summary>
/// <typeparam name="TFactory">Creates the store under test.</typeparam>
public abstract class CorrelationStoreContractTests<TFactory> : StoreContractFixture<TFactory>
    where TFactory : IStoreContractFactory, new()
{
    /// <summary>Checks correlation ids: set, replace, scoped by tenant and destination.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task SetCorrelationIdAsync_SetThenReplace_ScopedByTenantAndDestination()
    {
        await Store.SetCorrelationIdAsync("t1", "a", "incident-7", "JIRA-1", default);
        await Store.SetCorrelationIdAsync("t1", "a", "incident-7", "JIRA-2", default);

        (await Store.GetCorrelationIdAsync("t1", "a", "incident-7", default)).Should().Be("JIRA-2");
        (await Store.GetCorrelationIdAsync("t1", "b", "incident-7", default)).Should().BeNull();
        (await Store.GetCorrelationIdAsync("t2", "a", "incident-7", default)).Should().BeNull();
    }

    /// <summary>Checks that clearing forgets one key of one destination only.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task ClearCorrelationIdAsync_OneKey_ForgetsOnlyIt()
    {
        await Store.SetCorrelationIdAsync("t1", "a", "k1", "ITEM-1", default);
        await Store.SetCorrelationIdAsync("t1", "a", "k2", "ITEM-2", default);
        await Store.SetCorrelationIdAsync("t1", "b", "k1", "ITEM-3", default);

        (await Store.ClearCorrelationIdAsync("t1", "a", "k1", default)).Should().BeTrue();
        (await Store.ClearCorrelationIdAsync("t1", "a", "k1", default)).Should().BeFalse();

        (await Store.GetCorrelationIdAsync("t1", "a", "k1", default)).Should().BeNull();
        (await Store.GetCorrelationIdAsync("t1", "a", "k2", default)).Should().Be("ITEM-2");
        (await Store.GetCorrelationIdAsync("t1", "b", "k1", default)).Should().Be("ITEM-3");
    }
}

/// <summary>The <see cref="IInstanceRegistry"/> contract.</summary>
/// <typeparam name="TFactory">Creates the store under test.</typeparam>
public abstract class InstanceRegistryContractTests<TFactory> : StoreContractFixture<TFactory>
    where TFactory : IStoreContractFactory, new()
{
    /// <summary>Checks registration, heartbeats, the live window and removal.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task HeartbeatAsync_Instances_CountedLiveWithinWindow()
    {
        await Store.HeartbeatAsync("i1", T0, default);
        await Store.HeartbeatAsync("i2", T0.AddSeconds(10), default);
        await Store.HeartbeatAsync("i3", T0.AddSeconds(20), default);

        (await Store.CountLiveInstancesAsync(T0, default)).Should().Be(3);
        (await Store.CountLiveInstancesAsync(T0.AddSeconds(10), default)).Should().Be(2);

        await Store.HeartbeatAsync("i1", T0.AddSeconds(30), default);
        (await Store.CountLiveInstancesAsync(T0.AddSeconds(15), default)).Should().Be(2, "i1 sent a fresh heartbeat");

        await Store.RemoveInstanceAsync("i3", default);
        (await Store.CountLiveInstancesAsync(T0.AddSeconds(15), default)).Should().Be(1);
        (await Store.CountLiveInstancesAsync(T0.AddSeconds(31), default)).Should().Be(0);
    }
}

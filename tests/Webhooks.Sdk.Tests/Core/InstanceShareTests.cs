using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Webhooks.Sdk.Delivery;
using static Webhooks.Sdk.Tests.Core.CoreTestKit;

namespace Webhooks.Sdk.Tests.Core;

/// <summary>A destination's rate shared by instances: exact shares of the burst, and a joining instance waits to be counted.</summary>
public class InstanceShareTests
{
    [Test]
    public void TryAcquire_TwoInstancesBurstOfOne_EachHasHalfAToken()
    {
        var time = new FakeTimeProvider(Start);
        var share = new InstanceShare(time) { Count = 1 };
        share.Count = 2;
        var bucket = new TokenBucket(new WebhookRateLimit(PerSecond: 20), Start);

        bucket.TryAcquire(Start, TimeSpan.Zero, share, out var availableAt).Should().BeNull("half of a burst of one is half a token");
        availableAt.Should().Be(Start + TimeSpan.FromMilliseconds(50), "the other half refills at 10/s");
    }

    [Test]
    public void TryAcquire_FirstCountFindsOthers_HoldsUntilTheyCountThisInstance()
    {
        var time = new FakeTimeProvider(Start);
        var share = new InstanceShare(time) { Count = 2 };
        var bucket = new TokenBucket(new WebhookRateLimit(PerSecond: 20, Burst: 4), Start);

        bucket.TryAcquire(Start, TimeSpan.FromSeconds(1), share, out var availableAt).Should().BeNull();
        availableAt.Should().Be(Start + InstanceShare.JoinHold);
        InstanceShare.JoinHold.Should().BeGreaterThan(WebhookDispatcher.HeartbeatInterval, "the others count every heartbeat interval");

        time.Advance(InstanceShare.JoinHold);
        share.Count = 2;
        bucket.TryAcquire(time.GetUtcNow(), TimeSpan.Zero, share, out _).Should().Be(TimeSpan.Zero, "counted by now: half of a burst of 4");
    }

    [Test]
    public void TryAcquire_FirstCountAlone_SendsAtOnceAndLaterJoinersDoNotHoldIt()
    {
        var time = new FakeTimeProvider(Start);
        var share = new InstanceShare(time) { Count = 1 };
        share.Count = 2;
        var bucket = new TokenBucket(new WebhookRateLimit(PerSecond: 20, Burst: 2), Start);

        share.HeldUntil.Should().BeNull("an instance that started alone was counted by any later one");
        bucket.TryAcquire(Start, TimeSpan.Zero, share, out _).Should().Be(TimeSpan.Zero);
    }
}

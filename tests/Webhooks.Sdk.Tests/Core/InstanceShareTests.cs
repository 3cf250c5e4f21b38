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
        availableAt.Should().BeCloseTo(Start + TimeSpan.FromSeconds(0.5 / 9), TimeSpan.FromMilliseconds(1), "the other half refills at 9/s: half of 90 % of the rate");
    }

    [Test]
    public void TryAcquire_FirstCountFindsOthers_HoldsUntilTheyCountThisInstance()
    {
        var time = new FakeTimeProvider(Start);
        var share = new InstanceShare(time) { Count = 2 };
        var bucket = new TokenBucket(new WebhookRateLimit(PerSecond: 20, Burst: 4), Start);

        bucket.TryAcquire(Start, TimeSpan.FromSeconds(1), share, out var availableAt).Should().BeNull();
        availableAt.Should().Be(Start + InstanceShare.JoinHold);
        InstanceShare.JoinHold.Should().BeGreaterThan(WebhookDispatcher.HeartbeatInterval * 2, "the cap outlasts the others' next count even when it is late");

        time.Advance(InstanceShare.JoinHold);
        share.Count = 2;
        bucket.TryAcquire(time.GetUtcNow(), TimeSpan.Zero, share, out _).Should().Be(TimeSpan.Zero, "counted by now: half of a burst of 4");
    }

    [Test]
    public void Release_BeforeTheCap_EndsTheHoldThenAndNeverExtendsIt()
    {
        var time = new FakeTimeProvider(Start);
        var share = new InstanceShare(time) { Count = 2 };

        share.Release(Start + TimeSpan.FromSeconds(3));
        share.HeldUntil.Should().Be(Start + TimeSpan.FromSeconds(3));
        share.Release(Start + TimeSpan.FromSeconds(9));
        share.HeldUntil.Should().Be(Start + TimeSpan.FromSeconds(3), "a release never holds longer");
        share.IsHeld(Start + TimeSpan.FromSeconds(3)).Should().BeFalse();
    }

    [Test]
    public void WaitForSendSlot_ReservationsFallingDueTogether_NoMoreThanTheShareInAnySecond()
    {
        var bucket = new TokenBucket(new WebhookRateLimit(PerSecond: 20), Start);

        // A pause of the process: 25 sends ask for a slot at the same instant.
        var waits = Enumerable.Range(0, 25).Select(_ => bucket.WaitForSendSlot(Start, instances: 1)).ToArray();

        waits.Count(w => w == TimeSpan.Zero).Should().Be(20, "rate plus burst less one: 20 in any second");
        waits.Where(w => w > TimeSpan.Zero).Should().OnlyContain(w => w == TimeSpan.FromSeconds(1), "the rest wait until the first sends leave the window");
        bucket.WaitForSendSlot(Start + TimeSpan.FromSeconds(1), instances: 1).Should().Be(TimeSpan.Zero);
        Enumerable.Range(0, 8).Select(_ => bucket.WaitForSendSlot(Start + TimeSpan.FromSeconds(1.5), instances: 2)).Should().OnlyContain(w => w == TimeSpan.Zero);
        bucket.WaitForSendSlot(Start + TimeSpan.FromSeconds(1.5), instances: 2).Should().BeGreaterThan(TimeSpan.Zero, "shared by two, the window holds 9 (half of 90 % of 20)");
    }

    [Test]
    public void TryAcquire_AloneOrShared_AloneTakesTheWholeRateAndSharersTogetherNinetyPercent()
    {
        var alone = new TokenBucket(new WebhookRateLimit(PerSecond: 20), Start);
        var first = new TokenBucket(new WebhookRateLimit(PerSecond: 20), Start);
        var second = new TokenBucket(new WebhookRateLimit(PerSecond: 20), Start);

        int Sent(TokenBucket bucket, int instances)
        {
            // Take tokens back to back for 10 s of simulated time, as a busy worker would.
            var sent = 0;
            var now = Start;
            while (true)
            {
                var wait = bucket.TryAcquire(now, TimeSpan.FromSeconds(10), instances, out _);
                now += wait!.Value;
                if (now >= Start + TimeSpan.FromSeconds(10))
                {
                    return sent;
                }

                sent++;
            }
        }

        Sent(alone, 1).Should().Be(200, "a lone instance paces to the full 20/s");
        (Sent(first, 2) + Sent(second, 2)).Should().Be(180, "two instances pace to 9/s each, leaving room for the jitter between them");
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

using FluentAssertions;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Tests.Engine;

public class DispatchBufferTests
{
    [Test]
    public async Task TakeAsync_OneDeliveryWrittenWhileWorkersWait_WakesOneWorkerAndCountsTheOthersAsRoom()
    {
        var buffer = new DispatchBuffer(Options.Create(new WebhooksOptions { Dispatcher = { MaxConcurrency = 4 } }));
        var reader = buffer.Open();
        var takers = Enumerable.Range(0, 3).Select(_ => buffer.TakeAsync(reader).AsTask()).ToArray();
        await Task.Delay(50);
        buffer.Room.Should().Be(4 + 3, "idle workers count as room");

        buffer.TryAdd(Work("d1")).Should().BeTrue();
        var first = await Task.WhenAny(takers);
        (await first)!.Value.Item.Delivery.Id.Should().Be("d1");
        await Task.Delay(50);
        takers.Count(t => t.IsCompleted).Should().Be(1, "one delivery goes to one worker");
        buffer.Room.Should().Be(4 + 2);

        buffer.Close();
        var rest = await Task.WhenAll(takers.Where(t => t != first));
        rest.Should().AllSatisfy(w => w.Should().BeNull("a closed, drained buffer ends its workers"));
        buffer.Room.Should().Be(4);
    }

    [Test]
    public async Task TakeAsync_BufferClosedWithDeliveriesWaiting_HandsThemOutBeforeEndingTheWorker()
    {
        var buffer = new DispatchBuffer(Options.Create(new WebhooksOptions()));
        var reader = buffer.Open();
        buffer.TryAdd(Work("d1")).Should().BeTrue();
        buffer.TryAdd(Work("d2")).Should().BeTrue();
        buffer.Close();

        (await buffer.TakeAsync(reader))!.Value.Item.Delivery.Id.Should().Be("d1");
        (await buffer.TakeAsync(reader))!.Value.Item.Delivery.Id.Should().Be("d2");
        (await buffer.TakeAsync(reader)).Should().BeNull();
    }

    private static DispatchWork Work(string id)
    {
        var now = DateTimeOffset.UnixEpoch;
        var delivery = new DeliveryRecord { TenantId = "t", Id = id, EventId = "e", EventType = "x", DestinationId = "dest", Status = WebhookDeliveryStatus.Pending, MaxAttempts = 1, CreatedAt = now, DueAt = now };
        var evt = new StoredEvent { TenantId = "t", Id = "e", Type = "x", OccurredAt = now, Json = "{}"u8.ToArray() };
        return new DispatchWork(new LeasedDelivery { Delivery = delivery, Event = evt, LeaseToken = "tok", LeaseExpiresAt = now.AddMinutes(1) }, null, null);
    }
}

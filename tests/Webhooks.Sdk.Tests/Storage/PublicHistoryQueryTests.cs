using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Storage;

/// <summary>History and destination listing through the public services: filters, counts and cursor paging past 1,000 entries.</summary>
public class PublicHistoryQueryTests
{
    [Test]
    public async Task QueryAsync_MoreThanThousandDeliveries_CursorReachesEveryOneAndFiltersApply()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(o => o.Dispatcher.Enabled = false);
        var destination = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        for (var i = 0; i < 1_050; i++)
        {
            await host.Publisher.PublishAsync(WebhookEvent.Create(i % 10 == 0 ? "order.deleted" : "order.created", new { i }));
        }

        var seen = new List<WebhookDelivery>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await host.DeliveryLog.QueryAsync(new WebhookDeliveryQuery { DestinationId = destination.Id, Limit = 1000, Cursor = cursor });
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        pages.Should().Be(2);
        seen.Select(d => d.Id).Should().OnlyHaveUniqueItems().And.HaveCount(1_050);
        seen.Select(d => d.CreatedAt).Should().BeInDescendingOrder();
        (await host.DeliveryLog.QueryAsync(new WebhookDeliveryQuery { EventType = "order.deleted", Limit = 1000 })).Items.Should().HaveCount(105);
        (await host.DeliveryLog.QueryAsync(new WebhookDeliveryQuery { StatusCodeClass = WebhookStatusCodeClass.ServerError })).Items.Should().BeEmpty();
        (await host.DeliveryLog.CountAsync(destination.Id)).Should().Be(new WebhookDeliveryCounts(1_050, 0, 0));
        var tooMany = () => host.DeliveryLog.QueryAsync(new WebhookDeliveryQuery { Limit = 1001 });
        (await tooMany.Should().ThrowAsync<ArgumentOutOfRangeException>()).Which.Message.Should().Contain("WebhookDeliveryQuery.Limit");
    }

    [Test]
    public async Task ListAsync_CursorQuery_PagesNewestFirst()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(o => o.Dispatcher.Enabled = false);
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/h" + i, "d" + i))).Id);
        }

        var first = await host.Destinations.ListAsync(new WebhookDestinationListQuery { Limit = 3 }, CancellationToken.None);
        var second = await host.Destinations.ListAsync(new WebhookDestinationListQuery { Limit = 3, Cursor = first.NextCursor }, CancellationToken.None);

        first.Items.Concat(second.Items).Select(d => d.Id).Should().BeEquivalentTo(created);
        first.Items.Concat(second.Items).Select(d => d.CreatedAt).Should().BeInDescendingOrder();
        second.NextCursor.Should().BeNull();
        (await host.Destinations.ListAsync(1, 2)).Items.Select(d => d.Id).Should().Equal(first.Items.Skip(1).Select(d => d.Id));
    }
}

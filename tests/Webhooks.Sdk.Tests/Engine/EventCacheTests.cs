using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Delivery;

namespace Webhooks.Sdk.Tests.Engine;

public class EventCacheTests
{
    [Test]
    public void Add_PastCapacity_DropsOnlyTheLeastRecentlyUsed()
    {
        var cache = new EventCache(capacity: 3);
        var a = Add(cache, "a");
        Add(cache, "b");
        Add(cache, "c");
        cache.Add("t", a.Event, a.Envelope); // a is used again: b is now the least recently used

        Add(cache, "d");

        cache.Count.Should().Be(3);
        cache.Contains("t", "b").Should().BeFalse("the least recently used event goes first");
        cache.Contains("t", "a").Should().BeTrue();
        cache.Contains("t", "c").Should().BeTrue();
        cache.Contains("t", "d").Should().BeTrue("there is no clear-all when the cache is full");
    }

    [Test]
    public void Add_ManyMoreThanCapacity_KeepsTheNewestFullSet()
    {
        var cache = new EventCache(capacity: 100);
        for (var i = 0; i < 1000; i++)
        {
            Add(cache, "e" + i);
        }

        cache.Count.Should().Be(100);
        Enumerable.Range(900, 100).Should().OnlyContain(i => cache.Contains("t", "e" + i));
    }

    private static CachedEvent Add(EventCache cache, string id)
        => cache.Add("t", WebhookEvent.Create("scan.completed", new { id }) with { Id = id }, [1, 2, 3]);
}

using System.Collections.Concurrent;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Routing;

/// <summary>What the publisher needs of a destination: parsed from its settings only, so routing never decrypts a secret.</summary>
internal sealed record Route(string Id, SubscriptionSet Subscriptions, int RetryCount, bool Ordered, string Url);

/// <summary>Routes parsed from destination records, cached by (tenant, id) and refreshed when the settings change.</summary>
internal sealed class RouteTable
{
    private readonly ConcurrentDictionary<(string Tenant, string Id), (string ConfigJson, Route Route)> _cache = new();
    private readonly IList<string> _defaultSubscriptions;

    public RouteTable(IList<string> defaultSubscriptions) => _defaultSubscriptions = defaultSubscriptions;

    public Route Get(DestinationRecord record)
    {
        var key = (record.TenantId, record.Id);
        if (_cache.TryGetValue(key, out var cached) && string.Equals(cached.ConfigJson, record.ConfigJson, StringComparison.Ordinal))
        {
            return cached.Route;
        }

        var config = DestinationConfig.Parse(record.ConfigJson);
        var route = new Route(
            record.Id,
            SubscriptionSet.Compile(config.Subscriptions.Count > 0 ? config.Subscriptions : _defaultSubscriptions),
            config.RetryCount,
            config.OrderedDelivery || config.Correlation is not null,
            config.Url);
        _cache[key] = (record.ConfigJson, route);
        return route;
    }
}

using Microsoft.Extensions.Options;

namespace Webhooks.Sdk;

internal sealed class WebhookEventCatalog : IWebhookEventCatalog
{
    private readonly IReadOnlyList<EventTypeDefinition> _all;
    private readonly Dictionary<string, EventTypeDefinition> _byName;

    public WebhookEventCatalog(IOptions<WebhooksOptions> options)
    {
        _byName = new Dictionary<string, EventTypeDefinition>(StringComparer.Ordinal);
        foreach (var definition in WebhookOperationalEvents.Definitions.Concat(options.Value.EventTypes))
        {
            _byName[definition.Name] = definition;
        }

        _all = _byName.Values.OrderBy(d => d.Name, StringComparer.Ordinal).ToArray();
    }

    public IReadOnlyList<EventTypeDefinition> List() => _all;

    public EventTypeDefinition? Find(string name) => _byName.GetValueOrDefault(name);
}

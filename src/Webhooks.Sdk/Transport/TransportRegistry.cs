namespace Webhooks.Sdk;

/// <summary>The registered non-HTTP transports by URL scheme.</summary>
internal sealed class TransportRegistry
{
    private readonly Dictionary<string, IWebhookTransport> _byScheme = new(StringComparer.OrdinalIgnoreCase);

    public TransportRegistry(IEnumerable<IWebhookTransport> transports)
    {
        foreach (var transport in transports)
        {
            foreach (var scheme in transport.Schemes)
            {
                _byScheme[scheme] = transport;
            }
        }
    }

    public bool TryGet(string scheme, out IWebhookTransport transport) => _byScheme.TryGetValue(scheme, out transport!);
}

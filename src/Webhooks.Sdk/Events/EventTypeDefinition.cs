using System.Text.Json;

namespace Webhooks.Sdk;

/// <summary>An entry of the event-type catalogue: what an event type means and what its payload looks like.</summary>
/// <param name="Name">The event type name, for example <c>scan.completed</c>.</param>
/// <param name="Description">A human readable description.</param>
/// <param name="Example">An example payload, used by test deliveries.</param>
public sealed record EventTypeDefinition(string Name, string? Description = null, JsonElement? Example = null);

/// <summary>The catalogue of event types the application publishes.</summary>
public interface IWebhookEventCatalog
{
    /// <summary>Lists every registered event type, ordered by name.</summary>
    /// <returns>The event types.</returns>
    IReadOnlyList<EventTypeDefinition> List();

    /// <summary>Finds an event type by name.</summary>
    /// <param name="name">The event type name.</param>
    /// <returns>The definition, or <see langword="null"/> when it is not registered.</returns>
    EventTypeDefinition? Find(string name);
}

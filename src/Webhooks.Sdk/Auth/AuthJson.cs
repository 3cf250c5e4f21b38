using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Webhooks.Sdk.Auth;

/// <summary>
/// The JSON options <see cref="WebhookAuth"/> is stored with: the built-in kinds from its attributes, plus every
/// registered authenticator's <see cref="IWebhookAuthenticator.AuthType"/> under its kind.
/// </summary>
internal static class AuthJson
{
    public static JsonSerializerOptions Create(IEnumerable<IWebhookAuthenticator> authenticators)
    {
        var custom = authenticators
            .Where(a => a.AuthType is not null)
            .Select(a => (Type: a.AuthType!, a.Kind))
            .ToArray();
        var options = new JsonSerializerOptions(Destinations.DestinationConfig.JsonOptions);
        if (custom.Length == 0)
        {
            options.MakeReadOnly(populateMissingResolver: true);
            return options;
        }

        foreach (var (type, kind) in custom)
        {
            if (!type.IsSubclassOf(typeof(WebhookAuth)) || type.IsAbstract)
            {
                throw new InvalidOperationException($"The authenticator for auth kind '{kind}' names AuthType {type.Name}, which is not a concrete WebhookAuth subclass.");
            }
        }

        var resolver = new DefaultJsonTypeInfoResolver();
        resolver.Modifiers.Add(info =>
        {
            if (custom.Any(c => c.Type == info.Type))
            {
                // Kind is the discriminator, written by the polymorphism; a subclass need not mark its override [JsonIgnore].
                foreach (var property in info.Properties.Where(p => string.Equals(p.Name, "kind", StringComparison.OrdinalIgnoreCase)).ToArray())
                {
                    info.Properties.Remove(property);
                }

                return;
            }

            if (info.Type != typeof(WebhookAuth) || info.PolymorphismOptions is not { } polymorphism)
            {
                return;
            }

            foreach (var (type, kind) in custom)
            {
                if (!polymorphism.DerivedTypes.Any(d => d.DerivedType == type))
                {
                    polymorphism.DerivedTypes.Add(new JsonDerivedType(type, kind));
                }
            }
        });
        options.TypeInfoResolver = resolver;
        options.MakeReadOnly();
        return options;
    }
}

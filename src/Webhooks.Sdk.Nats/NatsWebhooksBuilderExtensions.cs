using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Webhooks.Sdk.Nats;

namespace Webhooks.Sdk;

/// <summary>Adds NATS destinations to the webhook library.</summary>
public static class NatsWebhooksBuilderExtensions
{
    /// <summary>
    /// Adds the NATS transport: destinations with a <c>nats://host:port</c> or <c>tls://host:port</c> URL publish to the
    /// subject in their <c>subject</c> setting, through JetStream (acknowledged) unless <c>jetstream</c> is <c>false</c>.
    /// See docs/transports.md.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IWebhooksBuilder AddNatsTransport(this IWebhooksBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddLogging();
        builder.Services.TryAddSingleton<NatsTransport>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookTransport, NatsTransport>(sp => sp.GetRequiredService<NatsTransport>()));
        return builder;
    }
}

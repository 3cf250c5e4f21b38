using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Webhooks.Sdk.RabbitMQ;

namespace Webhooks.Sdk;

/// <summary>Adds RabbitMQ destinations to the webhook library.</summary>
public static class RabbitMqWebhooksBuilderExtensions
{
    /// <summary>
    /// Adds the RabbitMQ transport: destinations with an <c>amqp://host:port/vhost</c> or <c>amqps://host:port/vhost</c>
    /// URL publish to the exchange in their <c>exchange</c> setting with the routing key in <c>routingKey</c> (a template,
    /// <c>${type}</c> by default), and succeed on the broker's publisher confirm. See docs/transports.md.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IWebhooksBuilder AddRabbitMqTransport(this IWebhooksBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddLogging();
        builder.Services.TryAddSingleton<RabbitMqTransport>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookTransport, RabbitMqTransport>(sp => sp.GetRequiredService<RabbitMqTransport>()));
        return builder;
    }
}

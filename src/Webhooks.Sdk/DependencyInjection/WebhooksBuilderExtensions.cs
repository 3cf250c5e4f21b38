using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk;

/// <summary>Features added to the webhook library through its builder.</summary>
public static class WebhooksBuilderExtensions
{
    /// <summary>Uses a store in place of the in-memory one.</summary>
    /// <typeparam name="TStore">The store type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IWebhooksBuilder UseStore<TStore>(this IWebhooksBuilder builder)
        where TStore : class, IWebhookStore
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<IWebhookStore>();
        builder.Services.AddSingleton<IWebhookStore, TStore>();
        return builder;
    }

    /// <summary>Uses a store created by a factory in place of the in-memory one.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="factory">Creates the store.</param>
    /// <returns>The builder.</returns>
    public static IWebhooksBuilder UseStore(this IWebhooksBuilder builder, Func<IServiceProvider, IWebhookStore> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.RemoveAll<IWebhookStore>();
        builder.Services.AddSingleton(factory);
        return builder;
    }

    /// <summary>Adds a payload format (a later format with the same name replaces an earlier one).</summary>
    /// <typeparam name="TFormatter">The formatter type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IWebhooksBuilder AddFormatter<TFormatter>(this IWebhooksBuilder builder)
        where TFormatter : class, IWebhookFormatter
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookFormatter, TFormatter>());
        return builder;
    }

    /// <summary>Adds an auth method (a later authenticator of the same kind replaces an earlier one).</summary>
    /// <typeparam name="TAuthenticator">The authenticator type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IWebhooksBuilder AddAuthenticator<TAuthenticator>(this IWebhooksBuilder builder)
        where TAuthenticator : class, IWebhookAuthenticator
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookAuthenticator, TAuthenticator>());
        return builder;
    }

    /// <summary>Adds a non-HTTP transport.</summary>
    /// <typeparam name="TTransport">The transport type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IWebhooksBuilder AddTransport<TTransport>(this IWebhooksBuilder builder)
        where TTransport : class, IWebhookTransport
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookTransport, TTransport>());
        return builder;
    }

    /// <summary>Adds an observer of destination health and dead-lettered deliveries.</summary>
    /// <typeparam name="TObserver">The observer type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IWebhooksBuilder AddObserver<TObserver>(this IWebhooksBuilder builder)
        where TObserver : class, IWebhookObserver
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookObserver, TObserver>());
        return builder;
    }

    /// <summary>Adds an observer instance.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="observer">The observer.</param>
    /// <returns>The builder.</returns>
    public static IWebhooksBuilder AddObserver(this IWebhooksBuilder builder, IWebhookObserver observer)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(observer);
        builder.Services.AddSingleton(observer);
        return builder;
    }

    /// <summary>Registers event types in the catalogue.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="eventTypes">The event types.</param>
    /// <returns>The builder.</returns>
    public static IWebhooksBuilder AddEventTypes(this IWebhooksBuilder builder, params EventTypeDefinition[] eventTypes)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(eventTypes);
        builder.Services.Configure<WebhooksOptions>(o =>
        {
            foreach (var t in eventTypes)
            {
                o.EventTypes.Add(t);
            }
        });
        return builder;
    }
}

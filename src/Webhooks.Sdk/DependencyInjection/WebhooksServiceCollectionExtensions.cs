using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Webhooks.Sdk;
using Webhooks.Sdk.Auth;
using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.DependencyInjection;
using Webhooks.Sdk.Diagnostics;
using Webhooks.Sdk.Formatting;
using Webhooks.Sdk.Internal;
using Webhooks.Sdk.Routing;
using Webhooks.Sdk.Safety;
using Webhooks.Sdk.Storage;

#pragma warning disable IDE0130 // Extension methods live in the DI namespace, as Microsoft.Extensions.* do.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers the webhook library.</summary>
public static class WebhooksServiceCollectionExtensions
{
    /// <summary>Adds the webhook library with its defaults (in-memory store, JSON envelope, hosted dispatcher).</summary>
    /// <param name="services">The services.</param>
    /// <returns>A builder to add stores, formats, auth methods and observers.</returns>
    public static IWebhooksBuilder AddWebhooks(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new WebhooksBuilder(services);
        if (services.Any(d => d.ServiceType == typeof(WebhooksMarker)))
        {
            return builder;
        }

        services.AddSingleton<WebhooksMarker>();
        services.AddOptions();
        services.AddLogging();
        services.AddMetrics();
        services.AddOptions<WebhooksOptions>().ValidateOnStart();
        services.PostConfigure<WebhooksOptions>(o =>
        {
            // The configuration forms of the development opt-ins.
            if (o.Safety.AllowPrivateNetworksForDevelopment)
            {
                o.Safety.DangerouslyAllowPrivateNetworksForDevelopment();
            }
            else if (o.Safety.AllowLoopbackForDevelopment)
            {
                o.Safety.DangerouslyAllowLoopbackForDevelopment();
            }
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhooksOptions>, WebhooksOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IWebhookStore, InMemoryWebhookStore>();
        services.TryAddSingleton<IDestinationStore>(static sp => sp.GetRequiredService<IWebhookStore>());
        services.TryAddSingleton<IDeliveryQueueStore>(static sp => sp.GetRequiredService<IWebhookStore>());
        services.TryAddSingleton<IDeliveryHistory>(static sp => sp.GetRequiredService<IWebhookStore>());
        services.TryAddSingleton<ICorrelationStore>(static sp => sp.GetRequiredService<IWebhookStore>());
        services.TryAddSingleton<IInstanceRegistry>(static sp => sp.GetRequiredService<IWebhookStore>());
        services.TryAddSingleton<ISecretProtector, AesGcmSecretProtector>();
        services.TryAddSingleton<IWebhookDnsResolver, SystemDnsResolver>();
        SafetyServiceRegistration.AddSafety(services);
        services.TryAddSingleton<IWebhookEventCatalog, WebhookEventCatalog>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookFormatter, JsonEnvelopeFormatter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookAuthenticator, NoneAuthenticator>());
        AuthServiceRegistration.AddAuth(services);
        FormattingServiceRegistration.AddBuiltInFormats(services);

        services.TryAddSingleton<FormatterRegistry>();
        services.TryAddSingleton<AuthenticatorRegistry>();
        services.TryAddSingleton<TransportRegistry>();
        services.TryAddSingleton<DestinationMapper>();
        services.TryAddSingleton<DestinationSnapshots>();
        services.TryAddSingleton<DestinationValidator>();
        services.TryAddSingleton<DeliverySender>();
        services.TryAddSingleton<DeliveryProcessor>();
        services.TryAddSingleton<CompletionBatcher>();
        services.TryAddSingleton<DispatchBuffer>();
        services.TryAddSingleton<EventCache>();
        services.TryAddSingleton<InstanceShare>();
        services.TryAddSingleton<WebhookMetrics>();
        services.TryAddSingleton<DispatcherHeartbeat>();
        services.TryAddSingleton<OperationalEvents>();
        services.TryAddSingleton<IWebhookQueueStatus, QueueStatus>();
        services.TryAddSingleton<DispatchSignal>();
        services.TryAddSingleton<IWebhookDispatchSignal>(sp => sp.GetRequiredService<DispatchSignal>());
        services.TryAddSingleton<IWebhookPublisher, WebhookPublisher>();
        services.TryAddSingleton<IWebhookDestinationManager, WebhookDestinationManager>();
        services.TryAddSingleton<IWebhookDeliveryLog, WebhookDeliveryLog>();

        services.AddHttpClient(DeliverySender.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(WebhookHttpHandlers.CreatePrimaryHandler)
            .RemoveAllLoggers();

        // The key check runs first: nothing of the library reads a secret before the master key is known to match the store.
        services.TryAddSingleton<WebhooksKeyCheck>();
        services.TryAddSingleton<IWebhookSecretKeyRotation>(sp => sp.GetRequiredService<WebhooksKeyCheck>());
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<WebhooksKeyCheck>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WebhooksStartup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WebhookDispatcher>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, HistoryPurger>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, QueueStatisticsRefresher>());
        return builder;
    }

    /// <summary>Adds the webhook library and configures its options.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    public static IWebhooksBuilder AddWebhooks(this IServiceCollection services, Action<WebhooksOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddWebhooks();
        services.Configure(configure);
        return builder;
    }

    /// <summary>Adds the webhook library and binds its options (and destinations) from configuration.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section, usually <c>Configuration.GetSection("Webhooks")</c>.</param>
    /// <returns>The builder.</returns>
    public static IWebhooksBuilder AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddWebhooks();

        services.Configure<WebhooksOptions>(configuration);

        // A key the options do not have (a typo such as MaxConcurency) is an error at start, naming the key.
        services.AddSingleton<IValidateOptions<WebhooksOptions>>(new UnknownConfigurationKeys(configuration));
        services.Configure<WebhooksOptions>(o => ConfiguredAuth.Apply(configuration, o));
        return builder;
    }

    private sealed class WebhooksMarker;
}

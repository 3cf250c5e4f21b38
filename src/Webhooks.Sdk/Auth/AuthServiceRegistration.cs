using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Delivery;

namespace Webhooks.Sdk.Auth;

/// <summary>Registers the built-in authenticators and their supporting services.</summary>
internal static class AuthServiceRegistration
{
    public static void AddAuth(IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookAuthenticator, BasicAuthenticator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookAuthenticator, BearerTokenAuthenticator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookAuthenticator, StaticHeadersAuthenticator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookAuthenticator, SharedSecretHeaderAuthenticator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookAuthenticator, HmacSignatureAuthenticator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookAuthenticator, OAuth2ClientCredentialsAuthenticator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookAuthenticator, MutualTlsAuthenticator>());
        services.TryAddSingleton<ClientCertificates>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HttpClientFactoryOptions>, MutualTlsHttpClientOptionsSetup>());
        services.AddHttpClient(OAuth2ClientCredentialsAuthenticator.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(WebhookHttpHandlers.CreatePrimaryHandler)
            .RemoveAllLoggers();
    }
}

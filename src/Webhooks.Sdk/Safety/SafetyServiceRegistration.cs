using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Webhooks.Sdk.Safety;

/// <summary>Registers the outbound address policy, the DNS seam and the safety options validation.</summary>
internal static class SafetyServiceRegistration
{
    public static void AddSafety(IServiceCollection services)
    {
        services.TryAddSingleton<IWebhookDnsResolver, SystemDnsResolver>();
        services.TryAddSingleton<OutboundGuard>();
        services.TryAddSingleton<OutboundConnector>();
        services.TryAddSingleton<IWebhookOutboundConnector>(sp => sp.GetRequiredService<OutboundConnector>());
        services.TryAddSingleton<IWebhookUrlPolicy, WebhookUrlPolicy>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhooksOptions>, SafetyOptionsValidator>());
    }
}

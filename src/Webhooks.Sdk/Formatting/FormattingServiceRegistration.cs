using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Webhooks.Sdk.Transport;

namespace Webhooks.Sdk.Formatting;

/// <summary>Registers the built-in formats and the syslog transport.</summary>
internal static class FormattingServiceRegistration
{
    public static void AddBuiltInFormats(IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookFormatter, CloudEventsFormatter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookFormatter, SlackFormatter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookFormatter, TeamsFormatter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookFormatter, DiscordFormatter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookFormatter, GoogleChatFormatter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookFormatter, FeishuFormatter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookFormatter, DatadogFormatter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookFormatter, SplunkFormatter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookFormatter, OpsgenieFormatter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookFormatter, PagerDutyFormatter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookFormatter, CefFormatter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookFormatter, SyslogFormatter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookFormatter, JiraFormatter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookFormatter, ServiceNowFormatter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookFormatter, ZendeskFormatter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookTransport, SyslogTransport>());
    }
}

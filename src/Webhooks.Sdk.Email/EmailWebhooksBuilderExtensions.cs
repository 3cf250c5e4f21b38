using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Webhooks.Sdk.Email;

namespace Webhooks.Sdk;

/// <summary>Adds email destinations to the webhook library.</summary>
public static class EmailWebhooksBuilderExtensions
{
    /// <summary>
    /// Adds the email transport: destinations with an <c>smtp://host:port</c> (STARTTLS required) or
    /// <c>smtps://host:port</c> URL send each delivery as an email from the <c>from</c> setting to the <c>to</c> and
    /// <c>cc</c> settings, with a templated <c>subject</c>. See docs/transports.md.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IWebhooksBuilder AddEmailTransport(this IWebhooksBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddLogging();
        builder.Services.TryAddSingleton<EmailTransport>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookTransport, EmailTransport>(sp => sp.GetRequiredService<EmailTransport>()));
        return builder;
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Newcomer;

/// <summary>A host configured the way an application is: the library's options come from a "Webhooks" configuration section.</summary>
internal static class ConfiguredHost
{
    public static (IHost Host, CapturingLoggerProvider Logs) Build(IDictionary<string, string?> settings, Action<IWebhooksBuilder>? webhooks = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        var logs = new CapturingLoggerProvider();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddProvider(logs);
        var added = builder.Services.AddWebhooks(builder.Configuration.GetSection("Webhooks"));
        webhooks?.Invoke(added);
        return (builder.Build(), logs);
    }
}

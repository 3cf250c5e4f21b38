using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Newcomer;

/// <summary>A host configured the way an application is: the library's options come from a "Webhooks" configuration section.</summary>
internal static class ConfiguredHost
{
    public static (IHost Host, CapturedLogs Logs) Build(IDictionary<string, string?> settings, Action<IWebhooksBuilder>? webhooks = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddFakeLogging();
        var added = builder.Services.AddWebhooks(builder.Configuration.GetSection("Webhooks"));
        webhooks?.Invoke(added);
        var host = builder.Build();
        return (host, new CapturedLogs(host.Services.GetService<FakeLogCollector>()));
    }
}

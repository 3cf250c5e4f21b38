using Microsoft.Extensions.DependencyInjection;
using Webhooks.Sdk.Testing;

namespace Webhooks.Sdk.Tests.Safety;

/// <summary>Builds the library's URL policy over a scripted resolver, without starting a host.</summary>
internal static class SafetyTestServices
{
    public const string PublicV4 = "93.184.216.34";
    public const string PublicV6 = "2606:2800:220:1:248:1893:25c8:1946";

    /// <summary>A resolver with the names the tests use; no test ever connects to these addresses.</summary>
    public static ScriptedDnsResolver Resolver() => new ScriptedDnsResolver()
        .Answer("public.example.test", PublicV4)
        .Answer("v6.example.test", PublicV6)
        .Answer("dual.example.test", PublicV4, PublicV6)
        .Answer("private.example.test", "10.0.0.5")
        .Answer("mixed.example.test", PublicV4, "127.0.0.1")
        .Answer("metadata.example.test", "169.254.169.254")
        .Answer("mapped.example.test", "::ffff:10.0.0.1")
        .Answer("ula.example.test", "fd00::1")
        .Answer("nat64.example.test", "64:ff9b::a9fe:a9fe")
        .Answer("empty.example.test")
        .Answer("localhost", "127.0.0.1", "::1")
        .Answer("intranet", "10.1.2.3")
        .Fail("missing.example.test");

    public static ServiceProvider Build(ScriptedDnsResolver resolver, Action<WebhookSafetyOptions>? safety = null)
    {
        var services = new ServiceCollection();
        services.AddWebhooks(o => safety?.Invoke(o.Safety));
        services.AddSingleton<IWebhookDnsResolver>(resolver);
        return services.BuildServiceProvider();
    }
}

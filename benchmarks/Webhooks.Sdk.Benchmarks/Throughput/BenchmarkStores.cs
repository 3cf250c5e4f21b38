using Microsoft.Extensions.DependencyInjection;

namespace Webhooks.Sdk.Benchmarks.Throughput;

/// <summary>
/// The one place where <c>--store</c> is turned into a store registration. To benchmark another store add a case here,
/// for example <c>sqlite:PATH</c> → <c>builder.UseSqliteStore(...)</c> or <c>postgres:CONN</c> → <c>builder.UsePostgreSqlStore(...)</c>.
/// </summary>
internal static class BenchmarkStores
{
    public const string Default = "memory";

    /// <summary>The store names this build knows, for the usage text.</summary>
    public const string Known = "memory";

    /// <summary>Registers the store named by <paramref name="spec"/> (<c>kind</c> or <c>kind:argument</c>).</summary>
    public static void Use(IWebhooksBuilder builder, string spec)
    {
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        var kind = colon < 0 ? spec : spec[..colon];
        var argument = colon < 0 ? null : spec[(colon + 1)..];
        switch (kind)
        {
            case "memory":
                // AddWebhooks() registers the in-memory store by default.
                _ = builder;
                _ = argument;
                break;
            default:
                throw new ArgumentException($"Unknown store '{kind}'. Known: {Known}.");
        }
    }
}

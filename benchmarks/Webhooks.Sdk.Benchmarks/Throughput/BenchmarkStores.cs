using Microsoft.Extensions.DependencyInjection;

namespace Webhooks.Sdk.Benchmarks.Throughput;

/// <summary>
/// The one place where <c>--store</c> is turned into a store registration: <c>memory</c>, <c>sqlite:PATH</c> (use a new
/// file for comparable figures) or <c>postgres:CONNECTION</c> (tables in schema <c>webhooks_bench</c>). Durable stores get a
/// throw-away secret key.
/// </summary>
internal static class BenchmarkStores
{
    public const string Default = "memory";

    /// <summary>The store names this build knows, for the usage text.</summary>
    public const string Known = "memory|sqlite:PATH|postgres:CONNECTION";

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
            case "sqlite" when !string.IsNullOrEmpty(argument):
                UseThrowAwayKey(builder);
                builder.UseSqliteStore(argument);
                break;
            case "postgres" when !string.IsNullOrEmpty(argument):
                UseThrowAwayKey(builder);
                builder.UsePostgreSqlStore(argument, o => o.Schema = "webhooks_bench");
                break;
            default:
                throw new ArgumentException($"Unknown store '{kind}'. Known: {Known}.");
        }
    }

    private static void UseThrowAwayKey(IWebhooksBuilder builder)
        => builder.Services.Configure<WebhooksOptions>(o => o.Secrets.Key ??= Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
}

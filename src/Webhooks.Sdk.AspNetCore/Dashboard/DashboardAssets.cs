using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;

namespace Webhooks.Sdk.AspNetCore.Dashboard;

/// <summary>Serves the stylesheet, script and icon embedded in the assembly: the page needs nothing from elsewhere.</summary>
internal static class DashboardAssets
{
    private static readonly FrozenDictionary<string, (byte[] Content, string ContentType)> Assets = Load();

    /// <summary>Serves one embedded asset, or 404.</summary>
    public static IResult Serve(string name, HttpContext context)
    {
        if (!Assets.TryGetValue(name, out var asset))
        {
            return Results.NotFound();
        }

        context.Response.Headers.CacheControl = "private, max-age=3600";
        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static FrozenDictionary<string, (byte[], string)> Load()
    {
        const string Prefix = "Webhooks.Sdk.AspNetCore.Dashboard.Assets.";
        var assembly = typeof(DashboardAssets).Assembly;
        var result = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var name = resource[Prefix.Length..];
            var type = Path.GetExtension(name) switch
            {
                ".css" => "text/css; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "application/octet-stream",
            };
            result[name] = (buffer.ToArray(), type);
        }

        return result.ToFrozenDictionary(StringComparer.Ordinal);
    }
}

using System.Security.Cryptography;

namespace Webhooks.Sdk.Samples.WebApp;

/// <summary>The key that encrypts destination secrets in the sample's database: created once next to it.</summary>
internal static class SampleKey
{
    public static string EnsureKeyFile(string path)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var file = new FileStream(path, options);
            file.Write(RandomNumberGenerator.GetBytes(32));
        }

        return path;
    }
}

internal static partial class SampleLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Development environment: destinations on loopback (127.0.0.0/8, ::1), plain http:// included, are allowed so the sample can be tried against a local receiver. Never in production.")]
    public static partial void LoopbackAllowed(ILogger logger);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Sample receiver got {EventType} ({WebhookId}).")]
    public static partial void Received(ILogger logger, string eventType, string webhookId);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Webhooks are stored in {Database}.")]
    public static partial void Database(ILogger logger, string database);
}

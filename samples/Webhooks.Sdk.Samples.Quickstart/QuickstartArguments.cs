using System.Globalization;

namespace Webhooks.Sdk.Samples.Quickstart;

/// <summary>The quickstart's command line.</summary>
internal sealed record QuickstartArguments
{
    public string? Url { get; init; }

    public string? Secret { get; init; }

    public string Format { get; init; } = WebhookFormats.Json;

    public int Count { get; init; } = 1;

    public string EventType { get; init; } = "quickstart.test";

    public bool AllowPrivateNetwork { get; init; }

    public string? Store { get; init; }

    public string? Key { get; init; }

    public bool Serve { get; init; }

    public int Port { get; init; }

    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    public static QuickstartArguments Parse(string[] args)
    {
        var result = new QuickstartArguments();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            result = args[i] switch
            {
                "--url" => result with { Url = Value() },
                "--secret" => result with { Secret = Value() },
                "--format" => result with { Format = Value() },
                "--count" => result with { Count = PositiveInt(Value(), "--count") },
                "--event-type" => result with { EventType = Value() },
                "--allow-private-network" => result with { AllowPrivateNetwork = true },
                "--store" => result with { Store = Value() },
                "--key" => result with { Key = Value() },
                "--serve" => result with { Serve = true },
                "--port" => result with { Port = ParsePort(Value()) },
                "--setting" => result with { Settings = WithSetting(result.Settings, Value()) },
                "--timeout" => result with { Timeout = TimeSpan.FromSeconds(PositiveInt(Value(), "--timeout")) },
                _ => throw new ArgumentException($"unknown argument '{args[i]}'; usage: [--url URL [--secret SECRET] [--format NAME] [--count N] [--event-type TYPE] [--allow-private-network] [--setting KEY=VALUE] [--store sqlite:PATH [--key BASE64]] [--timeout SECONDS]] | --serve [--port N]"),
            };
        }

        if (result.Url is null && (result.Secret is not null || result.Count != 1 || result.Format != WebhookFormats.Json || result.Settings.Count > 0))
        {
            throw new ArgumentException("--secret, --format, --setting and --count need --url");
        }

        if (result.Key is not null && result.Store is null)
        {
            throw new ArgumentException("--key needs --store sqlite:PATH");
        }

        if (result.Port != 0 && !result.Serve)
        {
            throw new ArgumentException("--port needs --serve");
        }

        return result;
    }

    private static int ParsePort(string value)
        => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 65535
            ? n
            : throw new ArgumentException($"--port must be a whole number from 1 to 65535, not '{value}'");

    private static Dictionary<string, string> WithSetting(IReadOnlyDictionary<string, string> settings, string pair)
    {
        var at = pair.IndexOf('=', StringComparison.Ordinal);
        if (at <= 0)
        {
            throw new ArgumentException($"--setting must be KEY=VALUE, not '{pair}'");
        }

        return new Dictionary<string, string>(settings) { [pair[..at]] = pair[(at + 1)..] };
    }

    private static int PositiveInt(string value, string name)
        => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 100_000
            ? n
            : throw new ArgumentException($"{name} must be a whole number from 1 to 100000, not '{value}'");
}

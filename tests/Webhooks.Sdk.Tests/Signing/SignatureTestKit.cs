using Microsoft.Extensions.Time.Testing;
using System.Text;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Auth;
using Webhooks.Sdk.Testing;

namespace Webhooks.Sdk.Tests.Signing;

/// <summary>Signs like a delivery does (through the real authenticator) and reads the resulting headers.</summary>
internal static class SignatureTestKit
{
    public const string StandardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    public const string StandardId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    public const long StandardTimestamp = 1614265330;
    public const string StandardBody = "{\"test\": 2432232314}";
    public const string StandardSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    public static DateTimeOffset At(long unixSeconds) => DateTimeOffset.FromUnixTimeSeconds(unixSeconds);

    public static async Task<Dictionary<string, string>> SignAsync(HmacSignatureWebhookAuth auth, string id, long timestamp, string body, TimeProvider? time = null)
    {
        var authenticator = new HmacSignatureAuthenticator(Options.Create(new WebhooksOptions()), time ?? new FakeTimeProvider(At(timestamp)));
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://example.test/hook");
        request.Headers.TryAddWithoutValidation("webhook-id", id);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await authenticator.ApplyAsync(
            new WebhookAuthContext
            {
                Auth = auth,
                Request = request,
                Body = Encoding.UTF8.GetBytes(body),
                MessageId = id,
                Timestamp = At(timestamp),
                TenantId = "default",
                DestinationId = "d1",
            },
            CancellationToken.None);
        return request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
    }

    public static Func<string, string?> Lookup(IReadOnlyDictionary<string, string> headers)
        => name => headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>The same bytes with one byte changed at <paramref name="index"/>.</summary>
    public static string Flip(string text, int index)
    {
        var chars = text.ToCharArray();
        chars[index] = chars[index] == 'x' ? 'y' : 'x';
        return new string(chars);
    }
}

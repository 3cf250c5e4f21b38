using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using Webhooks.Sdk.Auth;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Auth;

public class AesGcmSecretProtectorTests
{
    private static readonly string Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Test]
    public void Protect_ThenUnprotect_RoundTripsAndHidesPlaintext()
    {
        using var protector = Create(Key);

        var protectedText = protector.Protect("{\"token\":\"very-secret-value\"}");

        protectedText.Should().MatchRegex("^v2:[0-9a-f]{16}:").And.NotContain("very-secret-value");
        protector.Protect("{\"token\":\"very-secret-value\"}").Should().NotBe(protectedText, "every value gets a fresh nonce");
        protector.Unprotect(protectedText).Should().Be("{\"token\":\"very-secret-value\"}");
    }

    [Test]
    public void Unprotect_TamperedValue_ThrowsCryptographicException()
    {
        using var protector = Create(Key);
        var text = protector.Protect("secret");
        var prefix = text[..20]; // "v2:" + key id + ":"
        var bytes = Convert.FromBase64String(text[20..]);
        bytes[^1] ^= 1;

        var act = () => protector.Unprotect(prefix + Convert.ToBase64String(bytes));

        act.Should().Throw<CryptographicException>().WithMessage("*cannot be decrypted with key id*it was changed*");
    }

    [Test]
    public void Unprotect_OtherKey_ThrowsCryptographicException()
    {
        using var a = Create(Key);
        using var b = Create(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

        var act = () => b.Unprotect(a.Protect("secret"));

        act.Should().Throw<CryptographicException>();
    }

    [Test]
    public void Constructor_KeyFileWithBase64Key_UsesIt()
    {
        var path = Path.Combine(Path.GetTempPath(), "webhooks-key-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, Key + "\n");
        try
        {
            using var fromFile = new AesGcmSecretProtector(Options.Create(new WebhooksOptions { Secrets = { KeyFile = path } }), new InMemoryWebhookStore());
            using var fromKey = Create(Key);

            fromKey.Unprotect(fromFile.Protect("secret")).Should().Be("secret");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase("c2hvcnQ=", "must be 32 bytes")]
    [TestCase("not base64 at all!", "not valid base64")]
    public void Constructor_BadKey_ErrorNamesTheField(string key, string expected)
    {
        var act = () => Create(key);

        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("Secrets.Key").And.Contain(expected);
    }

    [Test]
    public void Constructor_MissingKeyWithDurableStore_ThrowsInsteadOfPlaintextFallback()
    {
        var act = () => new AesGcmSecretProtector(Options.Create(new WebhooksOptions()), DurableStoreStandIn.Create());

        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("Secrets.Key or Secrets.KeyFile is required");
    }

    [Test]
    public async Task StartAsync_MissingKeyWithDurableStore_FailsAtStartUp()
    {
        var act = () => WebhookTestHost.StartAsync(services: (s, _) => s.AddSingleton<IWebhookStore>(DurableStoreStandIn.Create()));

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("Secrets.Key or Secrets.KeyFile is required");
    }

    [Test]
    public async Task CreateAsync_AnyAuth_StoreOnlySeesProtectedAuth()
    {
        await using var host = await WebhookTestHost.StartAsync(o => o.Secrets.Key = Key);
        var created = await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "x", Url = "http://127.0.0.1:9/hook", Auth = new BasicWebhookAuth { Username = "u", Password = "stored-password-123" } });

        var record = await host.Services.GetRequiredService<IWebhookStore>().GetDestinationAsync(WebhookTenant.Default, created.Id, CancellationToken.None);

        record!.ProtectedAuth.Should().MatchRegex("^v2:[0-9a-f]{16}:").And.NotContain("stored-password-123");
        JsonSerializer.Serialize(record).Should().NotContain("stored-password-123");
        Create(Key).Unprotect(record.ProtectedAuth!).Should().Contain("stored-password-123");
    }

    private static AesGcmSecretProtector Create(string key)
        => new(Options.Create(new WebhooksOptions { Secrets = { Key = key } }), new InMemoryWebhookStore());

    /// <summary>Stands in for a durable store in the start-up check only: any call fails.</summary>
    public class DurableStoreStandIn : DispatchProxy
    {
        public static IWebhookStore Create() => Create<IWebhookStore, DurableStoreStandIn>();

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
            => throw new InvalidOperationException("This stand-in store is not used by the start-up check.");
    }
}

public class DestinationSecretsTests
{
    [Test]
    public async Task GetAndListAsync_EveryAuthKind_NeverReturnSecrets()
    {
        using var client = TestCertificates.Client("read-model-client");
        var secrets = new[] { "basic-pass-777", "bearer-tok-777", "static-val-777", "shared-sec-777", "oauth-sec-777", "pfx-pass-777" };
        var hmacSecret = HmacSignatureWebhookAuth.GenerateSecret();
        var privateKey = TestCertificates.PrivateKeyPem(client);
        var pfx = TestCertificates.PfxBase64(client, "pfx-pass-777");
        await using var host = await WebhookTestHost.StartAsync();
        WebhookAuth[] auths =
        [
            new BasicWebhookAuth { Username = "user", Password = secrets[0] },
            new BearerTokenWebhookAuth { Token = secrets[1] },
            new StaticHeadersWebhookAuth { Headers = new Dictionary<string, string> { ["X-Api-Key"] = secrets[2] } },
            new SharedSecretHeaderWebhookAuth { HeaderName = "X-Secret", Secret = secrets[3] },
            HmacSignatureWebhookAuth.StandardWebhooks(hmacSecret),
            new OAuth2ClientCredentialsWebhookAuth { TokenEndpoint = "http://127.0.0.1:9/token", ClientId = "cid", ClientSecret = secrets[4] },
            new MutualTlsWebhookAuth { CertificatePem = TestCertificates.CertificatePem(client), PrivateKeyPem = privateKey },
            new MutualTlsWebhookAuth { Pfx = pfx, Password = secrets[5] },
        ];
        var ids = new List<string>();
        foreach (var auth in auths)
        {
            ids.Add((await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = auth.Kind, Url = "http://127.0.0.1:9/hook", Auth = auth })).Id);
        }

        var rotated = await host.Destinations.RotateSecretAsync(ids[4]);
        var read = new List<WebhookDestination>();
        foreach (var id in ids)
        {
            read.Add(await host.Destinations.GetAsync(id));
        }

        read.AddRange((await host.Destinations.ListAsync()).Items);
        read.Add(rotated.Destination);
        var json = JsonSerializer.Serialize(read);
        foreach (var secret in secrets.Concat([hmacSecret, hmacSecret["whsec_".Length..], rotated.NewSecret, rotated.NewSecret["whsec_".Length..]]))
        {
            json.Should().NotContain(secret);
        }

        json.Should().NotContain(privateKey[40..80]).And.NotContain(pfx[100..140]);
        read.Take(auths.Length).Select(d => d.Auth.Kind).Should().Equal(auths.Select(a => a.Kind));
        read[0].Auth.Settings["Username"].Should().Be("user");
        read[0].Auth.SecretHints["Password"].Should().Be("set");
        read[1].Auth.SecretHints["Token"].Should().StartWith("set (sha256 ");
        read[4].Auth.SecretHints.Keys.Should().Contain(["Secret", "PreviousSecrets[0]"]);
        read[6].Auth.Settings["Subject"].Should().Be("CN=read-model-client");
    }

    [Test]
    public async Task UpdateAsync_StaticHeaderWithEmptyValue_KeepsSavedValue()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var definition = WebhookTestHost.Destination(receiver);
        definition.Auth = new StaticHeadersWebhookAuth { Headers = new Dictionary<string, string> { ["X-Api-Key"] = "saved-key-1" } };
        var created = await host.Destinations.CreateAsync(definition);

        await host.Destinations.UpdateAsync(created.Id, new WebhookDestinationUpdate { Auth = new StaticHeadersWebhookAuth { Headers = new Dictionary<string, string> { ["X-Api-Key"] = string.Empty, ["X-Extra"] = "extra-1" } } });
        await host.Destinations.TestAsync(created.Id);

        var request = receiver.Requests.Should().ContainSingle().Subject;
        request.Header("X-Api-Key").Should().Be("saved-key-1");
        request.Header("X-Extra").Should().Be("extra-1");
    }
}

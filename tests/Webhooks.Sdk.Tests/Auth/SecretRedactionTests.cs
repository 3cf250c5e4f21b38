using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FluentAssertions;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Auth;

public class SecretRedactionTests
{
    [Test]
    public async Task FullRun_EveryAuthMethodWithFailuresAndRetries_NoSecretInLogsOrHistory()
    {
        using var server = TestCertificates.Server();
        using var client = TestCertificates.Client("redaction-client");
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var tlsReceiver = await LocalWebhookReceiver.StartAsync(new LocalWebhookReceiverOptions { ServerCertificate = server, ClientCertificateMode = ClientCertificateMode.RequireCertificate });
        var tokenCalls = 0;
        receiver.Responder = request => request.Path switch
        {
            // The token endpoint fails once, then issues tokens; the destination refuses the first token it sees.
            "/token" => Interlocked.Increment(ref tokenCalls) == 1
                ? ReceiverResponse.Json("{\"error\":\"temporarily_unavailable\"}", 503)
                : ReceiverResponse.Json($"{{\"access_token\":\"oauth-access-{tokenCalls}-zz\",\"token_type\":\"bearer\",\"expires_in\":3600}}"),
            "/oauth" => request.Header("Authorization") == "Bearer oauth-access-2-zz" ? ReceiverResponse.Status(401) : null,
            _ => null,
        };
        foreach (var path in new[] { "/basic", "/bearer", "/static", "/shared", "/hmac", "/github", "/stripe", "/oauth" })
        {
            receiver.Enqueue(path, ReceiverResponse.Status(500, "try again"), ReceiverResponse.Ok());
        }

        receiver.Enqueue("/dead", Enumerable.Repeat(ReceiverResponse.Status(500, "down"), 5).ToArray());
        tlsReceiver.Enqueue("/mtls", ReceiverResponse.Status(503), ReceiverResponse.Ok());

        var hmacSecret = HmacSignatureWebhookAuth.GenerateSecret();
        var privateKey = TestCertificates.PrivateKeyPem(client);
        var secrets = new List<string>
        {
            "basic-password-Q1", "bearer-token-Q2", "static-value-Q3", "static-value-Q4", "shared-secret-Q5", "github-secret-Q6-long", "stripe-secret-Q7-long",
            "oauth-client-secret-Q8", "oauth-access-2-zz", "oauth-access-3-zz", "query-secret-Q9", hmacSecret, hmacSecret["whsec_".Length..],
        };
        const string query = "?token=query-secret-Q9";
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var host = await WebhookTestHost.StartAsync(o =>
        {
            o.Retry.BaseDelay = TimeSpan.FromMilliseconds(200);
            o.Secrets.Key = key;
        });
        var definitions = new (string Path, WebhookAuth Auth)[]
        {
            ("/basic", new BasicWebhookAuth { Username = "user", Password = "basic-password-Q1" }),
            ("/bearer", new BearerTokenWebhookAuth { Token = "bearer-token-Q2" }),
            ("/static", new StaticHeadersWebhookAuth { Headers = new Dictionary<string, string> { ["X-Api-Key"] = "static-value-Q3", ["X-Other"] = "static-value-Q4" } }),
            ("/shared", new SharedSecretHeaderWebhookAuth { HeaderName = "X-Shared", Secret = "shared-secret-Q5" }),
            ("/hmac", HmacSignatureWebhookAuth.StandardWebhooks(hmacSecret)),
            ("/github", HmacSignatureWebhookAuth.GitHub("github-secret-Q6-long")),
            ("/stripe", HmacSignatureWebhookAuth.Stripe("stripe-secret-Q7-long")),
            ("/oauth", new OAuth2ClientCredentialsWebhookAuth { TokenEndpoint = receiver.Url("/token") + query, ClientId = "cid", ClientSecret = "oauth-client-secret-Q8" }),
            ("/dead", new BearerTokenWebhookAuth { Token = "bearer-token-Q2" }),
        };
        foreach (var (path, auth) in definitions)
        {
            await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = path.Trim('/'), Url = receiver.Url(path) + query, Auth = auth, RetryCount = path == "/dead" ? 1 : 3 });
        }

        await host.Destinations.CreateAsync(new WebhookDestinationDefinition
        {
            Name = "mtls",
            Url = tlsReceiver.Url("/mtls") + query,
            Auth = new MutualTlsWebhookAuth { CertificatePem = TestCertificates.CertificatePem(client), PrivateKeyPem = privateKey, TrustedServerCertificateAuthorityPem = server.ExportCertificatePem() },
        });

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { findings = 3 }));
        var deliveries = new List<WebhookDelivery>();
        foreach (var delivery in result.Deliveries)
        {
            deliveries.Add(await host.WaitForFinalAsync(delivery.DeliveryId, TimeSpan.FromSeconds(30)));
        }

        await host.Destinations.ListAsync();
        var rotation = await host.Destinations.RotateSecretAsync((await host.Destinations.ListAsync()).Items.Single(d => d.Name == "hmac").Id);
        secrets.Add(rotation.NewSecret);

        // The run exercised what it should: retries everywhere, a 401 refresh, a token endpoint failure, a final failure.
        deliveries.Should().HaveCount(10);
        deliveries.Count(d => d.Status == WebhookDeliveryStatus.Succeeded).Should().Be(9);
        deliveries.Should().OnlyContain(d => d.AttemptCount >= 2);
        tokenCalls.Should().BeGreaterThanOrEqualTo(3);
        var logs = host.Logs.AllText;
        logs.Should().Contain("failed on attempt").And.Contain("/***");

        // Every credential the receivers saw is a secret too.
        foreach (var request in receiver.Requests.Concat(tlsReceiver.Requests))
        {
            foreach (var name in new[] { "Authorization", "webhook-signature", "X-Hub-Signature-256", "Stripe-Signature" })
            {
                if (request.Header(name) is { } value)
                {
                    secrets.Add(value);
                    secrets.AddRange(value.Split(' ', ',', '=').Where(p => p.Length >= 16));
                }
            }
        }

        secrets.Add(privateKey.Split('\n')[2]);
        var history = new List<string>();
        foreach (var delivery in deliveries)
        {
            history.Add(delivery.LastError ?? string.Empty);
            history.AddRange((await host.DeliveryLog.ListAttemptsAsync(delivery.Id)).Select(a => a.Error + " " + a.ResponseExcerpt));
        }

        var everything = logs + "\n" + string.Join('\n', history);
        foreach (var secret in secrets.Distinct())
        {
            everything.Should().NotContain(secret);
        }
    }
}

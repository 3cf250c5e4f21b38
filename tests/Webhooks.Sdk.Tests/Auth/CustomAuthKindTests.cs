using System.Text;
using FluentAssertions;
using Microsoft.Data.Sqlite;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Auth;

/// <summary>Custom auth kinds saved in a durable store, and formatter caching that is opt-in.</summary>
public class CustomAuthKindTests
{
    [Test]
    public async Task CreateAsync_CustomAuthKindInSqlite_RoundTripsAcrossRestartAndSigns()
    {
        var path = Path.Combine(Path.GetTempPath(), "custom-auth-" + Guid.NewGuid().ToString("N") + ".db");
        try
        {
            await using var receiver = await LocalWebhookReceiver.StartAsync();
            string id;
            await using (var host = await StartAsync(path))
            {
                id = (await host.Destinations.CreateAsync(new WebhookDestinationDefinition
                {
                    Name = "tenant-api",
                    Url = receiver.Url("/hook").ToString(),
                    Auth = new TenantTokenWebhookAuth { Tenant = "acme", Token = "t0ken-s3cret" },
                })).Id;
            }

            await using (var host = await StartAsync(path))
            {
                var read = await host.Destinations.GetAsync(id);
                read.Auth.Kind.Should().Be(TenantTokenWebhookAuth.KindName);
                var published = await host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { n = 1 }));
                (await host.WaitForFinalAsync(published.Deliveries[0].DeliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
            }

            receiver.Requests.Should().ContainSingle().Which.Headers["X-Tenant-Token"].Should().Be("acme:t0ken-s3cret");
            File.ReadAllBytes(path).AsSpan().IndexOf(Encoding.UTF8.GetBytes("t0ken-s3cret")).Should().Be(-1, "the custom auth is encrypted at rest like the built-in kinds");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(path) + "*"))
            {
                File.Delete(file);
            }
        }
    }

    [Test]
    public async Task Publish_CustomFormatterWithoutCacheKey_EachDestinationGetsItsOwnRendering()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(services: (_, webhooks) => webhooks.AddFormatter<ChannelFormatter>());
        foreach (var channel in new[] { "red", "blue" })
        {
            var definition = WebhookTestHost.Destination(receiver, "/" + channel, channel);
            definition.Format = "channel";
            definition.FormatSettings["channel"] = channel;
            await host.Destinations.CreateAsync(definition);
        }

        var published = await host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { n = 1 }));
        foreach (var d in published.Deliveries)
        {
            await host.WaitForFinalAsync(d.DeliveryId);
        }

        receiver.Requests.Single(r => r.Path == "/red").BodyText.Should().Be("red");
        receiver.Requests.Single(r => r.Path == "/blue").BodyText.Should().Be("blue");
    }

    private static Task<WebhookTestHost> StartAsync(string path)
        => WebhookTestHost.StartAsync(
            o => o.Secrets.Key = Convert.ToBase64String(new byte[32]),
            (_, webhooks) => webhooks.UseSqliteStore(path).AddAuthenticator<TenantTokenAuthenticator>());

    public sealed class TenantTokenWebhookAuth : WebhookAuth
    {
        public const string KindName = "tenant-token";

        public override string Kind => KindName;

        public string? Tenant { get; set; }

        public string? Token { get; set; }
    }

    private sealed class TenantTokenAuthenticator : IWebhookAuthenticator
    {
        public string Kind => TenantTokenWebhookAuth.KindName;

        public Type? AuthType => typeof(TenantTokenWebhookAuth);

        public void Validate(WebhookAuth auth, IList<WebhookValidationError> errors)
        {
            if (string.IsNullOrEmpty(((TenantTokenWebhookAuth)auth).Token))
            {
                errors.Add(new("Auth.Token", "is required"));
            }
        }

        public WebhookAuthDescription Describe(WebhookAuth auth) => new() { Kind = Kind };

        public ValueTask ApplyAsync(WebhookAuthContext context, CancellationToken cancellationToken)
        {
            var auth = (TenantTokenWebhookAuth)context.Auth;
            context.Request.Headers.TryAddWithoutValidation("X-Tenant-Token", auth.Tenant + ":" + auth.Token);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class ChannelFormatter : IWebhookFormatter
    {
        public string Name => "channel";

        public WebhookPayload Format(WebhookFormatContext context)
            => new() { Body = Encoding.UTF8.GetBytes(context.Destination.FormatSettings["channel"]), ContentType = "text/plain" };
    }
}

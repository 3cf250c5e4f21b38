using System.Reflection;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Storage;

/// <summary>
/// Destination writes that race each other through the public manager: another write lands between the manager's
/// read and its write (a real in-memory store; the interleaving is forced by running the other write right after the
/// manager's read returns).
/// </summary>
public class DestinationRaceTests
{
    [Test]
    public async Task UpdateAsync_AutoDisableLandsBetweenReadAndWrite_DestinationStaysDisabled()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var (host, store) = await StartAsync();
        await using var owner = host;
        var created = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        store.AfterNextRead = () => store.Inner.RecordDestinationOutcomeAsync(
            new DestinationOutcome { TenantId = WebhookTenant.Default, DestinationId = created.Id, At = DateTimeOffset.UtcNow, Success = false, DisableNowReason = "410 Gone" },
            CancellationToken.None);

        var updated = await host.Destinations.UpdateAsync(created.Id, new WebhookDestinationUpdate { Name = "renamed" });

        store.AfterNextRead.Should().BeNull("the auto-disable ran during the update");
        updated.Name.Should().Be("renamed");
        var read = await host.Destinations.GetAsync(created.Id);
        read.Enabled.Should().BeFalse("the auto-disable is not undone by the rename");
        read.DisabledReason.Should().Be("410 Gone");
        read.Name.Should().Be("renamed");
    }

    [Test]
    public async Task UpdateAsync_RotationLandsBetweenReadAndWrite_NewSecretIsKept()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var (host, store) = await StartAsync();
        await using var owner = host;
        var definition = WebhookTestHost.Destination(receiver);
        definition.Auth = HmacSignatureWebhookAuth.StandardWebhooks(HmacSignatureWebhookAuth.GenerateSecret());
        var created = await host.Destinations.CreateAsync(definition);
        WebhookSecretRotation? rotation = null;
        store.AfterNextRead = async () => rotation = await host.Destinations.RotateSecretAsync(created.Id);

        var update = () => host.Destinations.UpdateAsync(created.Id, new WebhookDestinationUpdate { Name = "renamed" });

        await update.Should().ThrowAsync<WebhookConcurrencyException>("the update read the destination before the rotation");
        rotation.Should().NotBeNull();
        await host.Destinations.TestAsync(created.Id);
        var request = receiver.Requests.Should().ContainSingle().Subject;
        new StandardWebhooksVerifier([rotation!.NewSecret], TimeProvider.System, TimeSpan.FromMinutes(5)).TryVerify(request.Header, request.Body, out _)
            .Should().BeTrue("the secret handed to the caller of the rotation still signs");
        (await host.Destinations.UpdateAsync(created.Id, new WebhookDestinationUpdate { Name = "renamed" })).Name.Should().Be("renamed", "a fresh read then succeeds");
    }

    private static async Task<(WebhookTestHost Host, InterleavingStore Store)> StartAsync()
    {
        var store = InterleavingStore.Create(new InMemoryWebhookStore());
        var host = await WebhookTestHost.StartAsync(o => o.Secrets.Key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)), (s, b) => b.UseStore(_ => (IWebhookStore)store));
        return (host, store);
    }

    /// <summary>Forwards every call to a real store; once armed, runs another write right after the next destination read returns.</summary>
    public class InterleavingStore : DispatchProxy
    {
        public IWebhookStore Inner { get; private set; } = null!;

        public Func<Task>? AfterNextRead { get; set; }

        public static InterleavingStore Create(IWebhookStore inner)
        {
            var proxy = Create<IWebhookStore, InterleavingStore>();
            var self = (InterleavingStore)(object)proxy;
            self.Inner = inner;
            return self;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            var result = targetMethod!.Invoke(Inner, args);
            if (targetMethod.Name == nameof(IDestinationStore.GetDestinationAsync) && AfterNextRead is { } hook)
            {
                AfterNextRead = null;
                return ThenAsync((Task<DestinationRecord?>)result!, hook);
            }

            return result;
        }

        private static async Task<DestinationRecord?> ThenAsync(Task<DestinationRecord?> read, Func<Task> hook)
        {
            var record = await read;
            await hook();
            return record;
        }
    }
}

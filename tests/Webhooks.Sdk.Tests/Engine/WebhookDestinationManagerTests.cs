using System.Reflection;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Engine;

/// <summary>
/// Destination updates racing each other and the dispatcher. A configuration write carries the version it read: a
/// stale one fails with <see cref="WebhookConcurrencyException"/> and writes nothing; health writes (auto-disable) touch
/// other fields and are never undone by a configuration write.
/// </summary>
public class WebhookDestinationManagerTests
{
    [Test]
    public async Task UpdateAsync_AutoDisableLandsBetweenReadAndWrite_DestinationStaysDisabled()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.DefaultResponse = ReceiverResponse.Status(410);
        var pause = new ReadPause();
        await using var host = await StartAsync(pause);
        var destination = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));

        // The update reads the enabled destination, then waits (as during its DNS checks) ...
        var update = ReadPause.Run(() => host.Destinations.UpdateAsync(destination.Id, new WebhookDestinationUpdate { Name = "renamed" }));
        await pause.Reached;

        // ... while a delivery gets 410 Gone and the dispatcher disables the destination.
        var deliveryId = (await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }))).Deliveries[0].DeliveryId;
        await host.WaitForFinalAsync(deliveryId);
        await WebhookTestHost.WaitUntilAsync(async () => !(await host.Destinations.GetAsync(destination.Id)).Enabled, because: "the dispatcher disables the destination after 410 Gone");

        pause.Release();
        var updated = await update;

        updated.Name.Should().Be("renamed");
        updated.Enabled.Should().BeFalse("the auto-disable is a health write the update does not undo");
        var stored = await host.Destinations.GetAsync(destination.Id);
        stored.Enabled.Should().BeFalse();
        stored.DisabledReason.Should().Contain("410");
        (await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 2 }))).Deliveries.Should().BeEmpty();
    }

    [Test]
    public async Task UpdateAsync_RotationLandsBetweenReadAndWrite_StaleUpdateFailsAndTheNewSecretStays()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var pause = new ReadPause();
        await using var host = await StartAsync(pause);
        var definition = WebhookTestHost.Destination(receiver);
        definition.Auth = new HmacSignatureWebhookAuth { Secret = HmacSignatureWebhookAuth.GenerateSecret() };
        var destination = await host.Destinations.CreateAsync(definition);

        var update = ReadPause.Run(() => host.Destinations.UpdateAsync(destination.Id, new WebhookDestinationUpdate { Name = "renamed", Headers = new Dictionary<string, string> { ["X-Team"] = "a" } }));
        await pause.Reached;
        var rotation = await host.Destinations.RotateSecretAsync(destination.Id, overlap: TimeSpan.Zero);
        pause.Release();

        var error = (await FluentActions.Awaiting(() => update).Should().ThrowAsync<WebhookConcurrencyException>()).Which;
        error.DestinationId.Should().Be(destination.Id);
        var stored = await host.Destinations.GetAsync(destination.Id);
        stored.Name.Should().Be(destination.Name, "the stale write wrote nothing");
        stored.Auth.SecretHints.Should().BeEquivalentTo(rotation.Destination.Auth.SecretHints, "the rotated secret is kept");

        // The caller's new secret is the one deliveries are signed with.
        var test = await host.Destinations.TestAsync(destination.Id);
        test.Success.Should().BeTrue();
        var request = receiver.Requests.Should().ContainSingle().Subject;
        new StandardWebhooksVerifier(rotation.NewSecret).TryVerify(request.Header, request.Body, out var failure).Should().BeTrue($"{failure}");
    }

    private static Task<WebhookTestHost> StartAsync(ReadPause pause)
        => WebhookTestHost.StartAsync(o => o.Secrets.Key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)), services: (services, _) =>
        {
            var inner = ServiceDescriptor.Singleton<InMemoryWebhookStore, InMemoryWebhookStore>();
            services.Add(inner);
            services.AddSingleton<IWebhookStore>(sp => PausingStore.Wrap(sp.GetRequiredService<InMemoryWebhookStore>(), pause));
        });

    /// <summary>Holds the armed caller right after its destination read, until released.</summary>
    public sealed class ReadPause
    {
        private static readonly AsyncLocal<bool> Armed = new();
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Reached => _reached.Task;

        public static bool IsArmed => Armed.Value;

        public static Task<T> Run<T>(Func<Task<T>> action)
            => Task.Run(() =>
            {
                Armed.Value = true;
                return action();
            });

        public async Task HoldAsync()
        {
            Armed.Value = false;
            _reached.TrySetResult();
            await _release.Task;
        }

        public void Release() => _release.TrySetResult();
    }

    /// <summary>A real store whose destination reads hold the armed caller (the window between read and write).</summary>
    public class PausingStore : DispatchProxy
    {
        private IWebhookStore _inner = null!;
        private ReadPause _pause = null!;

        internal static IWebhookStore Wrap(IWebhookStore inner, ReadPause pause)
        {
            var proxy = Create<IWebhookStore, PausingStore>();
            var self = (PausingStore)(object)proxy;
            self._inner = inner;
            self._pause = pause;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            object? result;
            try
            {
                result = targetMethod!.Invoke(_inner, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
                throw;
            }

            if (targetMethod.Name == nameof(IWebhookStore.GetDestinationAsync) && ReadPause.IsArmed)
            {
                return HoldAfterAsync((Task<DestinationRecord?>)result!);
            }

            return result;
        }

        private async Task<DestinationRecord?> HoldAfterAsync(Task<DestinationRecord?> read)
        {
            var record = await read;
            await _pause.HoldAsync();
            return record;
        }
    }
}

using System.Text;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Storage;

#pragma warning disable CA1707 // Test names follow Member_Scenario_Expectation.
#pragma warning disable CA2007 // Test code runs without a synchronization context.
#pragma warning disable CA1062 // Arguments of the protected helpers are the fixture's own.

namespace Webhooks.Sdk.Testing.StoreContract;

/// <summary>Creates and releases the store a contract fixture tests: one per store implementation.</summary>
public interface IStoreContractFactory
{
    /// <summary>Creates a new, empty store.</summary>
    /// <returns>The store.</returns>
    Task<IWebhookStore> CreateAsync();

    /// <summary>Releases a store created by <see cref="CreateAsync"/> (delete its file or schema).</summary>
    /// <param name="store">The store.</param>
    /// <returns>A task.</returns>
    Task DisposeAsync(IWebhookStore store);
}

/// <summary>
/// The base of every store contract fixture: a new, empty store per test from <typeparamref name="TFactory"/>, and
/// builders for records. A store proves a contract by deriving from its fixture in one line, for example
/// <c>public sealed class MyDestinationStoreTests : DestinationStoreContractTests&lt;MyStoreFactory&gt;;</c>. Every
/// test uses explicit times (whole seconds, so stores that keep microseconds compare equal), never the clock.
/// </summary>
/// <typeparam name="TFactory">Creates the store under test.</typeparam>
public abstract class StoreContractFixture<TFactory>
    where TFactory : IStoreContractFactory, new()
{
    /// <summary>The time the tests start from.</summary>
    protected static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The lease duration the tests use.</summary>
    protected static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    private readonly TFactory _factory = new();
    private int _ids;

    /// <summary>Gets the store of the running test.</summary>
    protected IWebhookStore Store { get; private set; } = null!;

    /// <summary>Creates the store before each test.</summary>
    /// <returns>A task.</returns>
    [SetUp]
    public async Task SetUpStoreAsync() => Store = await _factory.CreateAsync();

    /// <summary>Releases the store after each test.</summary>
    /// <returns>A task.</returns>
    [TearDown]
    public async Task TearDownStoreAsync()
    {
        if (Store is not null)
        {
            var store = Store;
            Store = null!;
            await _factory.DisposeAsync(store);
        }
    }

    /// <summary>Inserts a destination (cap 1000) and checks it was stored.</summary>
    /// <param name="destination">The destination.</param>
    /// <returns>A task.</returns>
    protected async Task InsertAsync(DestinationRecord destination)
        => (await Store.InsertDestinationAsync(destination, 1000, default)).Should().Be(DestinationInsertResult.Inserted);

    /// <summary>Builds a destination record.</summary>
    /// <param name="tenant">The tenant.</param>
    /// <param name="id">The id.</param>
    /// <param name="createdAt">When it was created.</param>
    /// <returns>The record.</returns>
    protected static DestinationRecord Destination(string tenant, string id, DateTimeOffset createdAt) => new()
    {
        TenantId = tenant,
        Id = id,
        Name = "dest " + id,
        Enabled = true,
        ConfigJson = "{\"url\":\"https://example.test/hook\"}",
        CreatedAt = createdAt,
        UpdatedAt = createdAt,
    };

    /// <summary>Builds an event.</summary>
    /// <param name="tenant">The tenant.</param>
    /// <param name="id">The event id.</param>
    /// <param name="marker">A value written into its JSON.</param>
    /// <returns>The event.</returns>
    protected static StoredEvent Event(string tenant, string id, string marker) => new()
    {
        TenantId = tenant,
        Id = id,
        Type = "thing.happened",
        OccurredAt = T0,
        Json = Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\",\"v\":\"{marker}\"}}"),
    };

    /// <summary>Builds a pending delivery with a unique id.</summary>
    /// <param name="tenant">The tenant.</param>
    /// <param name="eventId">The event id.</param>
    /// <param name="destinationId">The destination id.</param>
    /// <param name="dueAt">When it is due.</param>
    /// <returns>The delivery.</returns>
    protected DeliveryRecord Delivery(string tenant, string eventId, string destinationId, DateTimeOffset dueAt) => new()
    {
        TenantId = tenant,
        Id = "dlv-" + Interlocked.Increment(ref _ids).ToString("D5", System.Globalization.CultureInfo.InvariantCulture),
        EventId = eventId,
        EventType = "thing.happened",
        DestinationId = destinationId,
        Status = WebhookDeliveryStatus.Pending,
        MaxAttempts = 3,
        CreatedAt = T0,
        DueAt = dueAt,
    };

    /// <summary>Builds an enqueue batch for one event.</summary>
    /// <param name="tenant">The tenant.</param>
    /// <param name="eventId">The event id.</param>
    /// <param name="deliveries">The deliveries.</param>
    /// <returns>The batch.</returns>
    protected static EnqueueBatch Batch(string tenant, string eventId, params DeliveryRecord[] deliveries)
        => new() { Event = Event(tenant, eventId, "first"), Deliveries = deliveries };

    /// <summary>Builds a lease request.</summary>
    /// <param name="now">The current time.</param>
    /// <param name="max">The most deliveries to lease.</param>
    /// <returns>The request.</returns>
    protected static LeaseRequest LeaseAt(DateTimeOffset now, int max) => new() { MaxCount = max, Now = now, Duration = Lease };

    /// <summary>Builds a successful attempt of a leased delivery.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="number">The attempt number.</param>
    /// <param name="at">When it started.</param>
    /// <returns>The attempt.</returns>
    protected static AttemptRecord Attempt(LeasedDelivery lease, int number, DateTimeOffset at) => new()
    {
        TenantId = lease.Delivery.TenantId,
        DeliveryId = lease.Delivery.Id,
        Number = number,
        StartedAt = at,
        Duration = TimeSpan.FromMilliseconds(250),
        StatusCode = 200,
        Success = true,
    };

    /// <summary>Builds a successful completion.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="attempt">The attempt, or <see langword="null"/>.</param>
    /// <returns>The completion.</returns>
    protected static DeliveryCompletion Succeeded(LeasedDelivery lease, AttemptRecord? attempt) => new()
    {
        TenantId = lease.Delivery.TenantId,
        DeliveryId = lease.Delivery.Id,
        LeaseToken = lease.LeaseToken,
        Attempt = attempt,
        Status = WebhookDeliveryStatus.Succeeded,
        CompletedAt = (attempt?.StartedAt ?? T0) + TimeSpan.FromSeconds(1),
    };

    /// <summary>Builds a failed (dead-lettering) completion with a failed attempt.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="at">When it failed.</param>
    /// <returns>The completion.</returns>
    protected static DeliveryCompletion Failed(LeasedDelivery lease, DateTimeOffset at) => new()
    {
        TenantId = lease.Delivery.TenantId,
        DeliveryId = lease.Delivery.Id,
        LeaseToken = lease.LeaseToken,
        Attempt = new AttemptRecord { TenantId = lease.Delivery.TenantId, DeliveryId = lease.Delivery.Id, Number = lease.Delivery.AttemptCount + 1, StartedAt = at, Duration = TimeSpan.FromMilliseconds(5), StatusCode = 500, Success = false, Error = "HTTP 500" },
        Status = WebhookDeliveryStatus.Failed,
        CompletedAt = at,
    };
}

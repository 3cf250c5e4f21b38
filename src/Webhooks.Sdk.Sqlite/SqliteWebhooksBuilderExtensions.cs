using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Relational;
using Webhooks.Sdk.Sqlite;
using Webhooks.Sdk.Storage;

#pragma warning disable IDE0130 // Builder extensions live beside IWebhooksBuilder so they are found without another using.
namespace Webhooks.Sdk;
#pragma warning restore IDE0130

/// <summary>Adds the SQLite store to the webhook library.</summary>
public static class SqliteWebhooksBuilderExtensions
{
    /// <summary>Keeps destinations, the delivery queue and history in a SQLite file (created and migrated on first use).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="pathOrConnectionString">A file path such as <c>data/webhooks.db</c>, or a connection string such as <c>Data Source=webhooks.db</c>.</param>
    /// <param name="configure">Configures further options, or <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    public static IWebhooksBuilder UseSqliteStore(this IWebhooksBuilder builder, string pathOrConnectionString, Action<SqliteWebhookStoreOptions>? configure = null)
        => builder.UseSqliteStore(RelationalOptions.Then(SqliteWebhookStore.NormalizeConnectionString(pathOrConnectionString), static (o, value) => o.ConnectionString = value, configure));

    /// <summary>Keeps destinations, the delivery queue and history in a SQLite file configured by options.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    public static IWebhooksBuilder UseSqliteStore(this IWebhooksBuilder builder, Action<SqliteWebhookStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<SqliteWebhookStoreOptions>().Configure(configure);
        builder.Services.TryAddSingleton(sp => new SqliteWebhookStore(sp.GetRequiredService<IOptions<SqliteWebhookStoreOptions>>().Value));
        return builder.UseStore(sp => sp.GetRequiredService<SqliteWebhookStore>());
    }
}

/// <summary>Publishes inside the caller's SQLite transaction (transactional outbox).</summary>
public static class SqlitePublisherExtensions
{
    /// <summary>
    /// Publishes the event inside <paramref name="transaction"/>: its deliveries exist if and only if the transaction
    /// commits. The transaction's connection must open the same database file as the store. Dispatch starts within the
    /// dispatcher's poll interval after the commit.
    /// </summary>
    /// <param name="publisher">The publisher.</param>
    /// <param name="webhookEvent">The event.</param>
    /// <param name="transaction">The caller's open transaction.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The event id and the queued deliveries (queued once the transaction commits).</returns>
    public static Task<PublishResult> PublishAsync(this IWebhookPublisher publisher, WebhookEvent webhookEvent, SqliteTransaction transaction, CancellationToken cancellationToken = default)
        => RelationalOutbox.PublishAsync(publisher, webhookEvent, transaction, cancellationToken);
}

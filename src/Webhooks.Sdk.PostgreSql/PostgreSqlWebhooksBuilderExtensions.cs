using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Webhooks.Sdk.PostgreSql;
using Webhooks.Sdk.Relational;

#pragma warning disable IDE0130 // Builder extensions live beside IWebhooksBuilder so they are found without another using.
namespace Webhooks.Sdk;
#pragma warning restore IDE0130

/// <summary>Adds the PostgreSQL store to the webhook library.</summary>
public static class PostgreSqlWebhooksBuilderExtensions
{
    /// <summary>Keeps destinations, the delivery queue and history in PostgreSQL, shared by every instance that uses the same database and schema.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="connectionString">The Npgsql connection string.</param>
    /// <param name="configure">Configures further options, or <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    public static IWebhooksBuilder UsePostgreSqlStore(this IWebhooksBuilder builder, string connectionString, Action<PostgreSqlWebhookStoreOptions>? configure = null)
        => builder.UsePostgreSqlStore(RelationalOptions.Then(connectionString, static (o, value) => o.ConnectionString = value, configure));

    /// <summary>
    /// Keeps destinations, the delivery queue and history in PostgreSQL. Without a connection string in the options,
    /// the <see cref="NpgsqlDataSource"/> registered in dependency injection is used (for example by <c>AddNpgsqlDataSource</c>).
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    public static IWebhooksBuilder UsePostgreSqlStore(this IWebhooksBuilder builder, Action<PostgreSqlWebhookStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<PostgreSqlWebhookStoreOptions>().Configure(configure);
        builder.Services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<PostgreSqlWebhookStoreOptions>>().Value;
            if (!string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                return new PostgreSqlWebhookStore(options);
            }

            var dataSource = sp.GetService<NpgsqlDataSource>()
                ?? throw new InvalidOperationException("UsePostgreSqlStore needs a connection string or an NpgsqlDataSource registered in dependency injection.");
            return new PostgreSqlWebhookStore(dataSource, options);
        });
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PostgreSqlNotificationListener>());
        return builder.UseStore(sp => sp.GetRequiredService<PostgreSqlWebhookStore>());
    }
}

/// <summary>Publishes inside the caller's PostgreSQL transaction (transactional outbox).</summary>
public static class PostgreSqlPublisherExtensions
{
    /// <summary>
    /// Publishes the event inside <paramref name="transaction"/>: its deliveries exist if and only if the transaction
    /// commits, and the dispatchers of every instance are woken when it commits (NOTIFY is transactional).
    /// </summary>
    /// <param name="publisher">The publisher.</param>
    /// <param name="webhookEvent">The event.</param>
    /// <param name="transaction">The caller's open transaction on the store's database.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The event id and the queued deliveries (queued once the transaction commits).</returns>
    public static Task<PublishResult> PublishAsync(this IWebhookPublisher publisher, WebhookEvent webhookEvent, NpgsqlTransaction transaction, CancellationToken cancellationToken = default)
        => RelationalOutbox.PublishAsync(publisher, webhookEvent, transaction, cancellationToken);
}

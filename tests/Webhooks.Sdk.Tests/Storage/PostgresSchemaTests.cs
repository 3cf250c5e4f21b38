using NUnit.Framework;

namespace Webhooks.Sdk.Tests.Storage;

/// <summary>Tests that each get a schema of their own on the test PostgreSQL server, dropped afterwards.</summary>
public abstract class PostgresSchemaTests
{
    /// <summary>Gets this test's schema name.</summary>
    protected string Schema { get; private set; } = null!;

    [SetUp]
    public void CreateSchemaName() => Schema = PostgresTestServer.NewSchema();

    [TearDown]
    public async Task DropSchema()
    {
        if (Environment.GetEnvironmentVariable(PostgresTestServer.Variable) is { Length: > 0 })
        {
            await PostgresTestServer.DropSchemaAsync(Schema);
        }
    }
}

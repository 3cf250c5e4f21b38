using Npgsql;
using NUnit.Framework;

namespace Webhooks.Sdk.Tests.Storage;

/// <summary>
/// The PostgreSQL server the tests use: connection string from WEBHOOKS_TEST_POSTGRES (".ci/postgres.sh" starts one
/// and exports it). Without it the test is ignored with instructions, except in CI (CI=true), where it fails.
/// </summary>
public static class PostgresTestServer
{
    public const string Variable = "WEBHOOKS_TEST_POSTGRES";
    public const string RestartVariable = "WEBHOOKS_TEST_POSTGRES_RESTART";

    public static string ConnectionString
    {
        get
        {
            var value = Environment.GetEnvironmentVariable(Variable);
            if (!string.IsNullOrWhiteSpace(value))
            {
                return value;
            }

            const string how = "PostgreSQL tests need a server: install Debian's 'postgresql' package and run 'source .ci/postgres.sh' (it starts one on 127.0.0.1 and exports " + Variable + "), or set " + Variable + " to an Npgsql connection string of an empty database.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(Variable + " is not set in CI. " + how);
            }

            Assert.Ignore(how);
            return null!;
        }
    }

    public static string RestartCommand
    {
        get
        {
            _ = ConnectionString;
            var value = Environment.GetEnvironmentVariable(RestartVariable);
            if (string.IsNullOrWhiteSpace(value))
            {
                const string how = "The PostgreSQL restart test needs " + RestartVariable + " (a shell command that restarts the server); 'source .ci/postgres.sh' exports it.";
                if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
                {
                    Assert.Fail(how);
                }

                Assert.Ignore(how);
            }

            return value!;
        }
    }

    public static string NewSchema() => "t_" + Guid.NewGuid().ToString("N")[..16];

    public static async Task DropSchemaAsync(string schema)
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var cmd = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE;");
        await cmd.ExecuteNonQueryAsync();
    }
}

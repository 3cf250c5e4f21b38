using NUnit.Framework;

namespace Webhooks.Sdk.Transports.Tests.Support;

/// <summary>
/// The real servers the transport tests use, from the variables the .ci scripts print. Without a variable the test is
/// ignored with the script to run, except in CI (CI=true), where it fails.
/// </summary>
public static class TestServers
{
    public static Uri Smtp => new(Require("WEBHOOKS_TEST_SMTP", "smtp"));

    public static Uri Smtps => new(Require("WEBHOOKS_TEST_SMTPS", "smtp"));

    public static string SmtpMaildir => Require("WEBHOOKS_TEST_SMTP_MAILDIR", "smtp");

    public static string SmtpCaPem => File.ReadAllText(Require("WEBHOOKS_TEST_SMTP_CA", "smtp"));

    public static Uri RabbitMq => new(Require("WEBHOOKS_TEST_RABBITMQ", "rabbitmq"));

    public static string RabbitMqStopApp => Require("WEBHOOKS_TEST_RABBITMQ_STOP_APP", "rabbitmq");

    public static string RabbitMqStartApp => Require("WEBHOOKS_TEST_RABBITMQ_START_APP", "rabbitmq");

    public static Uri Nats => new(Require("WEBHOOKS_TEST_NATS", "nats"));

    private static string Require(string variable, string script)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(value))
        {
            return value;
        }

        var how = $"This test needs a real server: run 'eval \"$(bash .ci/{script}.sh)\"' from the repository root (it starts a private server on 127.0.0.1 and prints {variable}), then run the tests from that shell.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(variable + " is not set in CI. " + how);
        }

        Assert.Ignore(how);
        return null!;
    }

    /// <summary>Runs a shell command from a .ci script's variable and fails the test if it fails.</summary>
    public static async Task RunAsync(string command)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/bin/sh", ["-c", command])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            Assert.Fail($"'{command}' exited with {process.ExitCode}: {await stderr} {await stdout}");
        }
    }
}

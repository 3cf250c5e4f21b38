using System.Security.Cryptography;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Tests.Samples;

namespace Webhooks.Sdk.Tests.Newcomer;

/// <summary>The quickstart on a durable store: a second run with another master key stops before publishing and says why.</summary>
public class QuickstartKeyTests
{
    private string _path = null!;

    [SetUp]
    public void CreatePath() => _path = Path.Combine(Path.GetTempPath(), "webhooks-quickstart-" + Guid.NewGuid().ToString("N") + ".db");

    [TearDown]
    public void DeleteFiles()
    {
        foreach (var file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(_path) + "*"))
        {
            File.Delete(file);
        }
    }

    [Test]
    public async Task Run_SqliteStoreThenAnotherKey_ExitsTwoBeforePublishingNamingTheKeyMismatch()
    {
        var (firstExit, firstOut, firstErr) = await QuickstartTests.RunAsync("--store", "sqlite:" + _path, "--key", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        firstExit.Should().Be(0, firstOut + firstErr);

        var (exit, stdout, stderr) = await QuickstartTests.RunAsync("--store", "sqlite:" + _path, "--key", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

        exit.Should().Be(2, stdout + stderr);
        stderr.Should().Contain("error: ").And.Contain("key mismatch").And.Contain("Secrets.Key");
        stdout.Should().NotContain("deliveries:", "nothing was published");
    }

    [Test]
    public async Task Run_SqliteStoreTwiceWithTheKeyFileBesideIt_SucceedsBothTimes()
    {
        (await QuickstartTests.RunAsync("--store", "sqlite:" + _path)).Exit.Should().Be(0);

        var (exit, stdout, stderr) = await QuickstartTests.RunAsync("--store", "sqlite:" + _path);

        exit.Should().Be(0, stdout + stderr);
    }
}

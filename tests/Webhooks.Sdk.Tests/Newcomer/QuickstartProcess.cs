namespace Webhooks.Sdk.Tests.Newcomer;

/// <summary>Where the built quickstart sample is (built next to the tests).</summary>
internal static class QuickstartProcess
{
    public static string Dll
    {
        get
        {
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = testBin.Parent!.Name;
            var root = testBin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
            return Path.Combine(root, "samples", "Webhooks.Sdk.Samples.Quickstart", "bin", configuration, testBin.Name, "Webhooks.Sdk.Samples.Quickstart.dll");
        }
    }
}

using BenchmarkDotNet.Running;

// Usage:
//   dotnet run -c Release --project benchmarks/Webhooks.Sdk.Benchmarks -- micro [BenchmarkDotNet arguments, e.g. --filter *Signing*]
//   dotnet run -c Release --project benchmarks/Webhooks.Sdk.Benchmarks -- throughput [options]
//   dotnet run -c Release --project benchmarks/Webhooks.Sdk.Benchmarks -- stores enqueue|fanout|backlog --store sqlite:PATH [options]
if (args.Length > 0 && args[0] == "micro")
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
    return 0;
}

if (args.Length > 0 && args[0] == "throughput")
{
    return await Webhooks.Sdk.Benchmarks.Throughput.ThroughputCommand.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "stores")
{
    return await Webhooks.Sdk.Benchmarks.Stores.StoreBenchmarkCommand.RunAsync(args[1..]);
}

Console.Error.WriteLine("usage: micro [BenchmarkDotNet args] | throughput [options] | stores enqueue|fanout|backlog [options]");
return 2;

/// <summary>The entry point (named so BenchmarkDotNet can find the assembly).</summary>
public partial class Program;

using BenchmarkDotNet.Running;

// Usage:
//   dotnet run -c Release --project benchmarks/Webhooks.Sdk.Benchmarks -- micro [BenchmarkDotNet arguments, e.g. --filter *Signing*]
//   dotnet run -c Release --project benchmarks/Webhooks.Sdk.Benchmarks -- throughput [options]
//   dotnet run -c Release --project benchmarks/Webhooks.Sdk.Benchmarks -- latency [--store memory|sqlite:PATH|postgres:CONN] [options]
//   dotnet run -c Release --project benchmarks/Webhooks.Sdk.Benchmarks -- stores enqueue|fanout|backlog --store sqlite:PATH [options]
//   (receiver: the child process the commands above start; not meant to be run by hand)
switch (args.Length > 0 ? args[0] : string.Empty)
{
    case "micro":
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
        return 0;
    case "throughput":
        return await Webhooks.Sdk.Benchmarks.Throughput.ThroughputCommand.RunAsync(args[1..]);
    case "latency":
        return await Webhooks.Sdk.Benchmarks.Latency.LatencyCommand.RunAsync(args[1..]);
    case "stores":
        return await Webhooks.Sdk.Benchmarks.Stores.StoreBenchmarkCommand.RunAsync(args[1..]);
    case "receiver":
        return await Webhooks.Sdk.Benchmarks.Harness.ReceiverCommand.RunAsync(args[1..]);
    default:
        Console.Error.WriteLine("usage: micro [BenchmarkDotNet args] | throughput [options] | latency [options] | stores enqueue|fanout|backlog [options]");
        return 2;
}

/// <summary>The entry point (named so BenchmarkDotNet can find the assembly).</summary>
public partial class Program;

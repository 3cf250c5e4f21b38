using System.Collections.Immutable;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Webhooks.Sdk.Docs.Tests;

/// <summary>Compiles documentation blocks in-process with Roslyn against the assemblies this test project loads.</summary>
public static partial class SnippetCompiler
{
    /// <summary>The implicit usings of a <c>Microsoft.NET.Sdk.Web</c> project: what a new app's Program.cs sees.</summary>
    public static readonly string[] WebSdkImplicitUsings =
    [
        "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Net.Http.Json",
        "System.Threading", "System.Threading.Tasks", "Microsoft.AspNetCore.Builder", "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Http", "Microsoft.AspNetCore.Routing", "Microsoft.Extensions.Configuration",
        "Microsoft.Extensions.DependencyInjection", "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Logging",
    ];

    /// <summary>What fragments see besides the implicit usings: the library's public namespaces.</summary>
    private static readonly string[] FragmentUsings =
    [
        "Webhooks.Sdk", "Webhooks.Sdk.Testing", "Webhooks.Sdk.Testing.StoreContract", "Webhooks.Sdk.Storage",
        "Webhooks.Sdk.Sqlite", "Webhooks.Sdk.PostgreSql", "Webhooks.Sdk.AspNetCore", "Microsoft.Data.Sqlite", "Npgsql", "System.Text.Json",
    ];

    /// <summary>The variables every fragment may use without declaring them.</summary>
    public const string FragmentContext =
        "IServiceCollection services, WebApplicationBuilder builder, IConfiguration config, WebApplication app, "
        + "IWebhookPublisher publisher, IWebhookDestinationManager destinations, IWebhookDeliveryLog deliveryLog, "
        + "CancellationToken cancellationToken";

    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    /// <summary>Compiles a block.</summary>
    /// <param name="snippet">The block.</param>
    /// <returns>The compilation (check <see cref="Errors"/>).</returns>
    public static CSharpCompilation Compile(DocSnippet snippet)
    {
        ArgumentNullException.ThrowIfNull(snippet);
        var trees = new List<SyntaxTree>();
        var isProgram = snippet.Kind is SnippetKind.Program or SnippetKind.Run;
        if (isProgram)
        {
            trees.Add(Tree(string.Concat(WebSdkImplicitUsings.Select(u => $"global using {u};\n")), "GlobalUsings.g.cs"));
            trees.Add(Tree($"#line {snippet.Line + 1} \"{snippet.File}\"\n{snippet.Code}", snippet.File));
        }
        else
        {
            var (usings, body) = SplitUsings(snippet.Code);
            var header = new StringBuilder();
            foreach (var u in WebSdkImplicitUsings.Concat(FragmentUsings).Concat(usings).Distinct(StringComparer.Ordinal))
            {
                header.Append("using ").Append(u).Append(";\n");
            }

            string source;
            if (snippet.Kind == SnippetKind.Types)
            {
                source = $"{header}namespace Snippets;\n{snippet.Given}\n#line {snippet.Line + 1} \"{snippet.File}\"\n{body}";
            }
            else
            {
                source = $$"""
                    {{header}}
                    namespace Snippets;
                    internal static class Snippet
                    {
                        public static async Task RunAsync({{FragmentContext}})
                        {
                            await Task.Yield();
                            {{snippet.Given}}
                    #line {{snippet.Line + 1}} "{{snippet.File}}"
                    {{body}}
                    #line default
                        }
                    }
                    """;
            }

            trees.Add(Tree(source, snippet.File));
        }

        var options = new CSharpCompilationOptions(isProgram ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary)
            .WithNullableContextOptions(NullableContextOptions.Enable)
            .WithOptimizationLevel(OptimizationLevel.Debug)
            .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
            {
                // Documentation never shows an obsolete API.
                ["CS0618"] = ReportDiagnostic.Error,
                ["CS0612"] = ReportDiagnostic.Error,
            });
        return CSharpCompilation.Create("Snippet_" + Guid.NewGuid().ToString("N"), trees, References.Value, options);
    }

    /// <summary>The errors of a compilation, one line each, with the documentation file and line.</summary>
    /// <param name="compilation">The compilation.</param>
    /// <returns>The errors.</returns>
    public static IReadOnlyList<string> Errors(CSharpCompilation compilation)
    {
        ArgumentNullException.ThrowIfNull(compilation);
        return compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => d.ToString())
            .ToArray();
    }

    /// <summary>Compiles a program block and loads it.</summary>
    /// <param name="snippet">The block.</param>
    /// <returns>The loaded assembly.</returns>
    public static Assembly Load(DocSnippet snippet)
    {
        var compilation = Compile(snippet);
        using var pe = new MemoryStream();
        var emitted = compilation.Emit(pe);
        if (!emitted.Success)
        {
            throw new InvalidOperationException(string.Join('\n', emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        return Assembly.Load(pe.ToArray());
    }

    private static SyntaxTree Tree(string source, string path) => CSharpSyntaxTree.ParseText(source, Parse, path, Encoding.UTF8);

    private static (IReadOnlyList<string> Usings, string Body) SplitUsings(string code)
    {
        var usings = new List<string>();
        var body = new StringBuilder();
        foreach (var line in code.Split('\n'))
        {
            var match = UsingDirective().Match(line);
            if (match.Success)
            {
                usings.Add(match.Groups["ns"].Value);
                body.Append('\n'); // keep line numbers
            }
            else
            {
                body.Append(line).Append('\n');
            }
        }

        return (usings, body.ToString());
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return [.. paths.Where(File.Exists).Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    }

    [GeneratedRegex(@"^using\s+(?<ns>(?:static\s+)?[\w.]+)\s*;\s*$")]
    private static partial Regex UsingDirective();
}

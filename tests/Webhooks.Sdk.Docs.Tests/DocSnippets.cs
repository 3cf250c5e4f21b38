using System.Text;
using System.Text.RegularExpressions;

namespace Webhooks.Sdk.Docs.Tests;

/// <summary>How a C# block of the docs is compiled.</summary>
public enum SnippetKind
{
    /// <summary><c>```csharp</c>: a complete Program.cs (top-level statements) that must compile as written.</summary>
    Program,

    /// <summary><c>```csharp run</c>: a complete Program.cs that is compiled and run.</summary>
    Run,

    /// <summary><c>```csharp fragment</c>: statements, compiled inside an async method that sees the context variables.</summary>
    Fragment,

    /// <summary><c>```csharp types</c>: type declarations, compiled as a file.</summary>
    Types,
}

/// <summary>A C# block of README.md or docs/*.md.</summary>
/// <param name="File">The file, relative to the repository root.</param>
/// <param name="Line">The line of the opening fence (1-based).</param>
/// <param name="Kind">How it is compiled.</param>
/// <param name="Code">The code.</param>
/// <param name="Given">Declarations from a <c>&lt;!-- given: … --&gt;</c> comment just above the block.</param>
public sealed record DocSnippet(string File, int Line, SnippetKind Kind, string Code, string Given)
{
    /// <inheritdoc />
    public override string ToString() => $"{File}:{Line} ({Kind})";
}

/// <summary>Finds the C# blocks of the documentation.</summary>
public static partial class DocSnippets
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>Gets the repository root (the folder holding Webhooks.Sdk.sln).</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>Every C# block of README.md and docs/*.md.</summary>
    /// <returns>The blocks.</returns>
    public static IReadOnlyList<DocSnippet> All()
    {
        var files = new List<string> { Path.Combine(RepositoryRoot, "README.md") };
        files.AddRange(Directory.GetFiles(Path.Combine(RepositoryRoot, "docs"), "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
        return files.SelectMany(f => Parse(Path.GetRelativePath(RepositoryRoot, f).Replace('\\', '/'), File.ReadAllText(f))).ToArray();
    }

    /// <summary>Extracts the C# blocks of one Markdown text.</summary>
    /// <param name="file">The file name shown in test names.</param>
    /// <param name="markdown">The text.</param>
    /// <returns>The blocks.</returns>
    public static IReadOnlyList<DocSnippet> Parse(string file, string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        var lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var result = new List<DocSnippet>();
        for (var i = 0; i < lines.Length; i++)
        {
            var fence = Fence().Match(lines[i]);
            if (!fence.Success)
            {
                continue;
            }

            var kind = fence.Groups["kind"].Value switch
            {
                "" => SnippetKind.Program,
                "run" => SnippetKind.Run,
                "fragment" => SnippetKind.Fragment,
                "types" => SnippetKind.Types,
                var other => throw new InvalidOperationException($"{file}:{i + 1}: unknown C# block kind '{other}' (use none, run, fragment or types)."),
            };
            var code = new StringBuilder();
            var start = i;
            for (i++; i < lines.Length && !lines[i].StartsWith("```", StringComparison.Ordinal); i++)
            {
                code.Append(lines[i]).Append('\n');
            }

            result.Add(new DocSnippet(file, start + 1, kind, code.ToString(), GivenAbove(lines, start)));
        }

        return result;
    }

    private static string GivenAbove(string[] lines, int fenceLine)
    {
        var end = fenceLine - 1;
        while (end >= 0 && lines[end].Trim().Length == 0)
        {
            end--;
        }

        if (end < 0 || !lines[end].TrimEnd().EndsWith("-->", StringComparison.Ordinal))
        {
            return string.Empty;
        }

        var begin = end;
        while (begin >= 0 && !lines[begin].Contains("<!--", StringComparison.Ordinal))
        {
            begin--;
        }

        if (begin < 0)
        {
            return string.Empty;
        }

        var comment = string.Join('\n', lines[begin..(end + 1)]).Trim();
        comment = comment["<!--".Length..^"-->".Length].Trim();
        return comment.StartsWith("given:", StringComparison.Ordinal) ? comment["given:".Length..].Trim() : string.Empty;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Webhooks.Sdk.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Webhooks.Sdk.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^```csharp(?:[ \t]+(?<kind>\w+))?[ \t]*$")]
    private static partial Regex Fence();
}

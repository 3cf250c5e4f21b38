using FluentAssertions;
using NUnit.Framework;

namespace Webhooks.Sdk.Docs.Tests;

/// <summary>Every C# block of README.md and docs/ compiles against the current API.</summary>
public sealed class DocSnippetsTests
{
    private static IEnumerable<TestCaseData> Snippets()
        => DocSnippets.All().Select(s => new TestCaseData(s).SetArgDisplayNames(s.ToString()));

    [TestCaseSource(nameof(Snippets))]
    public void Compile_DocumentationBlock_HasNoErrors(DocSnippet snippet)
    {
        var errors = SnippetCompiler.Errors(SnippetCompiler.Compile(snippet));

        errors.Should().BeEmpty($"{snippet} must compile as written (mark a fragment with ```csharp fragment and declare what it assumes in a <!-- given: … --> comment)");
    }

    [Test]
    public void All_Readme_HasOneCompleteProgramAndOneThatRuns()
    {
        var readme = DocSnippets.All().Where(s => s.File == "README.md").ToArray();

        readme.Should().Contain(s => s.Kind == SnippetKind.Program && s.Code.Contains("using Webhooks.Sdk;", StringComparison.Ordinal) && s.Code.Contains(".Build()", StringComparison.Ordinal));
        readme.Should().Contain(s => s.Kind == SnippetKind.Run);
    }

    [Test]
    public void All_DocsFolder_IsScanned()
        => DocSnippets.All().Select(s => s.File).Distinct().Should().Contain(["README.md", "docs/authentication.md", "docs/configuration.md"]);

    [Test]
    public void Compile_BrokenBlock_FailsNamingTheDocumentationLine()
    {
        const string markdown = """
            # Title

            ```csharp
            using Webhooks.Sdk;
            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddWebhooks().AddEventTypez(new EventTypeDefinition("a.b"));
            ```
            """;
        var snippet = DocSnippets.Parse("BROKEN.md", markdown).Single();

        var errors = SnippetCompiler.Errors(SnippetCompiler.Compile(snippet));

        errors.Should().ContainSingle().Which.Should().Contain("BROKEN.md(6,").And.Contain("AddEventTypez");
    }

    [Test]
    public void Compile_ProgramWithoutUsing_FailsLikeANewApp()
    {
        const string markdown = """
            ```csharp
            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddWebhooks().AddEventTypes(new EventTypeDefinition("a.b"));
            ```
            """;

        var errors = SnippetCompiler.Errors(SnippetCompiler.Compile(DocSnippets.Parse("NOUSING.md", markdown).Single()));

        errors.Should().Contain(e => e.Contains("EventTypeDefinition", StringComparison.Ordinal));
    }

    [Test]
    public void Compile_FragmentUsingObsoleteApi_Fails()
    {
        const string markdown = """
            <!-- given: var evt = WebhookEvent.Create("a.b", new { x = 1 }); -->
            ```csharp fragment
            await publisher.SendAsync(evt, ["d1"]);
            ```
            """;

        var errors = SnippetCompiler.Errors(SnippetCompiler.Compile(DocSnippets.Parse("OBSOLETE.md", markdown).Single()));

        errors.Should().Contain(e => e.Contains("CS0618", StringComparison.Ordinal));
    }

    [Test]
    public void Parse_UnknownKind_IsRefused()
    {
        var act = () => DocSnippets.Parse("X.md", "```csharp frgment\nvar x = 1;\n```\n");

        act.Should().Throw<InvalidOperationException>().WithMessage("*frgment*");
    }
}

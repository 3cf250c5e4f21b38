using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NUnit.Framework;

namespace Webhooks.Sdk.Docs.Tests;

/// <summary>docs/configuration.md cannot drift from the options classes: every option, its default and its range.</summary>
public sealed class ConfigurationReferenceTests
{
    private const string Root = "Webhooks";

    private static readonly Lazy<IReadOnlyDictionary<string, DocumentedOption>> Documented = new(ReadDocumented);

    private static readonly Lazy<IReadOnlyDictionary<string, OptionPath>> Actual = new(() => Walk(typeof(WebhooksOptions), Root, new WebhooksOptions(), []).ToDictionary(o => o.Path, StringComparer.Ordinal));

    private sealed record DocumentedOption(string Path, string Default, string Range);

    private sealed record OptionPath(string Path, Type Type, PropertyInfo[] Chain, bool InList, object? Default, bool HasDefault);

    [Test]
    public void Reference_EveryOption_IsDocumented()
        => Actual.Value.Keys.Except(Documented.Value.Keys).Should().BeEmpty("every option needs a row in docs/configuration.md");

    [Test]
    public void Reference_EveryDocumentedPath_IsAnOption()
        => Documented.Value.Keys.Except(Actual.Value.Keys).Should().BeEmpty("docs/configuration.md must not list options that do not exist");

    private static IEnumerable<TestCaseData> Options()
        => Walk(typeof(WebhooksOptions), Root, new WebhooksOptions(), []).Select(o => new TestCaseData(o.Path).SetArgDisplayNames(o.Path));

    [TestCaseSource(nameof(Options))]
    public void Reference_Default_IsTheOptionsDefault(string path)
    {
        var option = Actual.Value[path];
        if (!Documented.Value.TryGetValue(path, out var documented))
        {
            Assert.Fail($"{path} is not documented");
            return;
        }

        if (!option.HasDefault)
        {
            documented.Default.Should().Be("—", $"{path} has no default (the type has no parameterless constructor)");
            return;
        }

        documented.Default.Should().Be(Render(option.Default), $"the default of {path}");
    }

    [TestCaseSource(nameof(Options))]
    public void Reference_Range_IsWhatStartUpValidationEnforces(string path)
    {
        var option = Actual.Value[path];
        var documented = Documented.Value.GetValueOrDefault(path);
        if (documented is null || option.InList || !documented.Range.Contains(" to ", StringComparison.Ordinal) || !IsNumeric(option.Type))
        {
            Assert.Pass("no numeric range to check");
            return;
        }

        var parts = documented.Range.Split(" to ");
        var (min, max) = (Parse(option.Type, parts[0]), Parse(option.Type, parts[1]));
        var field = path[(Root.Length + 1)..].Replace(':', '.');

        ErrorsFor(option, min, field).Should().BeEmpty($"{field} = {parts[0]} is inside the documented range");
        ErrorsFor(option, max, field).Should().BeEmpty($"{field} = {parts[1]} is inside the documented range");
        ErrorsFor(option, Step(min, -1), field).Should().NotBeEmpty($"{field} below {parts[0]} is outside the documented range");
        ErrorsFor(option, Step(max, +1), field).Should().NotBeEmpty($"{field} above {parts[1]} is outside the documented range");
    }

    private static string[] ErrorsFor(OptionPath option, object value, string field)
    {
        var services = new ServiceCollection();
        services.AddWebhooks(o =>
        {
            object target = o;
            foreach (var property in option.Chain[..^1])
            {
                target = property.GetValue(target)!;
            }

            option.Chain[^1].SetValue(target, value);
        });
        using var provider = services.BuildServiceProvider();
        try
        {
            _ = provider.GetRequiredService<IOptions<WebhooksOptions>>().Value;
            return [];
        }
        catch (OptionsValidationException ex)
        {
            return ex.Failures.Where(f => f.StartsWith(field, StringComparison.Ordinal)).ToArray();
        }
    }

    private static bool IsNumeric(Type type) => type == typeof(int) || type == typeof(double) || type == typeof(TimeSpan) || type == typeof(long);

    private static object Parse(Type type, string text)
        => type == typeof(TimeSpan) ? TimeSpan.Parse(text, CultureInfo.InvariantCulture) : Convert.ChangeType(text, type, CultureInfo.InvariantCulture);

    private static object Step(object value, int direction) => value switch
    {
        int i => i + direction,
        long l => l + direction,
        double d => d + (direction * 0.001),
        TimeSpan t => t + TimeSpan.FromMilliseconds(direction),
        _ => throw new NotSupportedException(value.GetType().Name),
    };

    private static IEnumerable<OptionPath> Walk(Type type, string prefix, object? instance, PropertyInfo[] chain, bool inList = false)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0))
        {
            var name = property.GetCustomAttribute<Microsoft.Extensions.Configuration.ConfigurationKeyNameAttribute>() is { } renamed && renamed.Name.Contains("NotTheBinder", StringComparison.Ordinal)
                ? property.Name // read by the library itself (Auth)
                : property.GetCustomAttribute<Microsoft.Extensions.Configuration.ConfigurationKeyNameAttribute>()?.Name ?? property.Name;
            var path = prefix + ":" + name;
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var value = instance is null ? null : property.GetValue(instance);
            var nextChain = (PropertyInfo[])[.. chain, property];
            if (IsLeaf(propertyType))
            {
                if (property.SetMethod is { IsPublic: true }) // the binder sets only public setters
                {
                    yield return new OptionPath(path, propertyType, nextChain, inList, value, instance is not null);
                }

                continue;
            }

            if (ElementType(propertyType) is { } element)
            {
                var sample = element.GetConstructor(Type.EmptyTypes) is not null ? Activator.CreateInstance(element) : null;
                foreach (var item in Walk(element, path + ":N", sample, nextChain, inList: true))
                {
                    yield return item;
                }

                continue;
            }

            var nested = value ?? (propertyType.GetConstructor(Type.EmptyTypes) is not null ? Activator.CreateInstance(propertyType) : null);
            foreach (var item in Walk(propertyType, path, nested, nextChain, inList))
            {
                yield return item;
            }
        }
    }

    private static bool IsLeaf(Type type)
        => type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(Uri) || type == typeof(decimal)
           || type == typeof(JsonElement) || (type.IsAbstract && !type.IsInterface)
           || (type.IsGenericType && type.GetGenericArguments().All(a => a == typeof(string)) && typeof(IEnumerable).IsAssignableFrom(type))
           || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDictionary<,>));

    private static Type? ElementType(Type type)
        => type.IsGenericType && type.GetGenericTypeDefinition() is var d && (d == typeof(IList<>) || d == typeof(List<>) || d == typeof(ICollection<>))
            ? type.GetGenericArguments()[0]
            : null;

    private static string Render(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        string s => s.Length == 0 ? "\"\"" : s,
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        Enum e => e.ToString(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IDictionary => "{}",
        IEnumerable<string> list => JsonSerializer.Serialize(list),
        _ => value.ToString() ?? "null",
    };

    private static Dictionary<string, DocumentedOption> ReadDocumented()
    {
        var text = File.ReadAllText(Path.Combine(DocSnippets.RepositoryRoot, "docs", "configuration.md"));
        var rows = new Dictionary<string, DocumentedOption>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith("| `" + Root + ":", StringComparison.Ordinal))
            {
                continue;
            }

            var cells = line.Trim().Trim('|').Split(" | ").Select(c => c.Trim()).ToArray();
            var path = cells[0].Trim('`');
            rows.Add(path, new DocumentedOption(path, cells[1].Trim('`'), cells[2]));
        }

        return rows;
    }
}

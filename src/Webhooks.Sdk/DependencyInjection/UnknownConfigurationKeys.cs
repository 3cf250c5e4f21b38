using System.Collections;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Webhooks.Sdk.DependencyInjection;

/// <summary>
/// Fails start when the library's configuration section holds a key that no option has (a typo such as
/// <c>MaxConcurency</c>, or <c>Retry:RetryCount</c>), naming the key's full path and the nearest option. The
/// configuration binder would ignore such keys silently.
/// </summary>
internal sealed class UnknownConfigurationKeys : IValidateOptions<WebhooksOptions>
{
    private readonly IConfiguration _section;

    public UnknownConfigurationKeys(IConfiguration section) => _section = section;

    public ValidateOptionsResult Validate(string? name, WebhooksOptions options)
    {
        var errors = new List<string>();
        Check(_section, typeof(WebhooksOptions), (_section as IConfigurationSection)?.Path ?? string.Empty, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Check(IConfiguration section, Type type, string path, List<string> errors)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0)
            .ToDictionary(KeyOf, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            var childPath = path.Length == 0 ? child.Key : path + ":" + child.Key;
            if (!properties.TryGetValue(child.Key, out var property))
            {
                var nearest = Nearest(child.Key, properties.Keys);
                errors.Add($"{childPath}: unknown configuration key '{child.Key}'; {type.Name} has no such option{(nearest is null ? string.Empty : $" (did you mean '{nearest}'?)")}. See docs/configuration.md.");
                continue;
            }

            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (ElementType(propertyType) is { } element && !IsLeaf(element))
            {
                foreach (var item in child.GetChildren())
                {
                    Check(item, element, childPath + ":" + item.Key, errors);
                }
            }
            else if (!IsLeaf(propertyType) && ElementType(propertyType) is null)
            {
                Check(child, propertyType, childPath, errors);
            }
        }
    }

    /// <summary>
    /// The key an option is bound from; <c>Auth</c> and <c>Filter</c> (renamed away from the binder) are read by the
    /// library itself under their own names.
    /// </summary>
    private static string KeyOf(PropertyInfo property)
        => property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name is { } renamed
           && !renamed.Contains("NotTheBinder", StringComparison.Ordinal)
           && property.PropertyType != typeof(WebhookAuth)
            ? renamed
            : property.Name;

    private static bool IsLeaf(Type type)
        => type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(Uri) || type == typeof(decimal)
           || type == typeof(System.Text.Json.JsonElement) || type == typeof(object)
           || (type.IsAbstract && !type.IsInterface) // Auth: its fields depend on its Kind
           || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDictionary<,>));

    private static Type? ElementType(Type type)
        => type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) && type.GetGenericArguments() is [var element]
            ? element
            : null;

    private static string? Nearest(string key, IEnumerable<string> candidates)
        => candidates
            .Select(c => (Name: c, Distance: Distance(key.ToUpperInvariant(), c.ToUpperInvariant())))
            .Where(c => c.Distance <= Math.Max(2, key.Length / 3))
            .OrderBy(c => c.Distance)
            .Select(c => c.Name)
            .FirstOrDefault();

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
        }

        return d[a.Length, b.Length];
    }
}

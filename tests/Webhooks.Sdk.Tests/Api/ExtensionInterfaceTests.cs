using System.Reflection;
using FluentAssertions;
using NUnit.Framework;

namespace Webhooks.Sdk.Tests.Api;

/// <summary>The Task-or-ValueTask rule of CONTRIBUTING.md, checked over every public interface of the core.</summary>
public class ExtensionInterfaceTests
{
    /// <summary>
    /// The interfaces whose async members return ValueTask: per-attempt extension points that usually complete without
    /// waiting, and the connector that mirrors the socket APIs. Every other public interface returns Task.
    /// </summary>
    private static readonly Type[] ValueTaskInterfaces =
    [
        typeof(IWebhookAuthenticator),
        typeof(IWebhookUrlPolicy),
        typeof(IWebhookObserver),
        typeof(IWebhookOutboundConnector),
    ];

    [Test]
    public void PublicInterfaces_AsyncMembers_FollowTheTaskOrValueTaskRule()
    {
        var interfaces = typeof(IWebhookPublisher).Assembly.GetExportedTypes().Where(t => t.IsInterface).ToArray();
        interfaces.Should().Contain(ValueTaskInterfaces, "the rule's list names public interfaces only");

        var wrong = new List<string>();
        foreach (var type in interfaces)
        {
            var wantValueTask = ValueTaskInterfaces.Contains(type);
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                var kind = Kind(method.ReturnType);
                if (kind is null)
                {
                    continue;
                }

                if (kind != (wantValueTask ? "ValueTask" : "Task"))
                {
                    wrong.Add($"{type.Name}.{method.Name} returns {kind}");
                }
            }
        }

        wrong.Should().BeEmpty("async members of {0} return ValueTask and all others Task (CONTRIBUTING.md)", string.Join(", ", ValueTaskInterfaces.Select(t => t.Name)));
    }

    [Test]
    public void AsyncMembers_OfTheRulesInterfaces_Exist()
    {
        // The rule is about real members: every listed interface has at least one ValueTask member.
        foreach (var type in ValueTaskInterfaces)
        {
            type.GetMethods().Select(m => Kind(m.ReturnType)).Should().Contain("ValueTask", type.Name);
        }
    }

    private static string? Kind(Type returnType)
    {
        if (returnType == typeof(Task) || (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>)))
        {
            return "Task";
        }

        if (returnType == typeof(ValueTask) || (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            return "ValueTask";
        }

        return null;
    }
}

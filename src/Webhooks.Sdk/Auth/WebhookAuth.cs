using System.Text.Json.Serialization;

namespace Webhooks.Sdk;

/// <summary>
/// How a destination authenticates the sender. Each kind has one <see cref="IWebhookAuthenticator"/> that applies it
/// to outgoing requests. Secrets in an auth object are write-only: they are stored through the
/// <see cref="ISecretProtector"/> and never read back.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(NoWebhookAuth), WebhookAuthKinds.None)]
public abstract class WebhookAuth
{
    /// <summary>Gets the kind name that selects the authenticator, for example <c>bearer</c>.</summary>
    [JsonIgnore]
    public abstract string Kind { get; }
}

/// <summary>No authentication.</summary>
public sealed class NoWebhookAuth : WebhookAuth
{
    /// <summary>Gets the shared instance.</summary>
    public static NoWebhookAuth Instance { get; } = new();

    /// <inheritdoc />
    public override string Kind => WebhookAuthKinds.None;
}

/// <summary>The names of the built-in auth kinds.</summary>
public static class WebhookAuthKinds
{
    /// <summary>No authentication.</summary>
    public const string None = "none";
}

/// <summary>A description of a destination's authentication that carries no secret.</summary>
public sealed record WebhookAuthDescription
{
    /// <summary>Gets the kind, for example <c>bearer</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>Gets the non-secret settings (for example a header name or a username).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets, for each secret that is set, a short non-reversible hint (never the secret).</summary>
    public IReadOnlyDictionary<string, string> SecretHints { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets the description of "no authentication".</summary>
    public static WebhookAuthDescription None { get; } = new() { Kind = WebhookAuthKinds.None };
}

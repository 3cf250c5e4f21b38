namespace Webhooks.Sdk;

/// <summary>One invalid field and why.</summary>
/// <param name="Field">The field name, for example <c>Url</c> or <c>Headers[X-Api-Key]</c>.</param>
/// <param name="Message">Why the value was refused.</param>
public sealed record WebhookValidationError(string Field, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>Thrown when a destination or event is invalid. Lists every bad field; nothing was stored.</summary>
public sealed class WebhookValidationException : ArgumentException
{
    /// <summary>Initializes a new instance of the <see cref="WebhookValidationException"/> class.</summary>
    /// <param name="errors">The invalid fields.</param>
    public WebhookValidationException(IReadOnlyList<WebhookValidationError> errors)
        : base(BuildMessage(errors, "destination"))
    {
        Errors = errors;
    }

    private WebhookValidationException(IReadOnlyList<WebhookValidationError> errors, string subject)
        : base(BuildMessage(errors, subject))
    {
        Errors = errors;
    }

    /// <summary>Initializes a new instance of the <see cref="WebhookValidationException"/> class.</summary>
    public WebhookValidationException()
        : this([])
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WebhookValidationException"/> class.</summary>
    /// <param name="message">The message.</param>
    public WebhookValidationException(string message)
        : base(message)
    {
        Errors = [];
    }

    /// <summary>Initializes a new instance of the <see cref="WebhookValidationException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public WebhookValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
    }

    /// <summary>Gets every invalid field and why.</summary>
    public IReadOnlyList<WebhookValidationError> Errors { get; }

    /// <summary>An invalid event (the message says "event").</summary>
    internal static WebhookValidationException ForEvent(IReadOnlyList<WebhookValidationError> errors) => new(errors, "event");

    private static string BuildMessage(IReadOnlyList<WebhookValidationError> errors, string subject)
        => errors.Count == 0
            ? $"The webhook {subject} is invalid."
            : $"The webhook {subject} is invalid ({errors.Count} problem{(errors.Count == 1 ? string.Empty : "s")}): " + string.Join("; ", errors);
}

/// <summary>Thrown when a destination or delivery id does not exist in the tenant.</summary>
public sealed class WebhookNotFoundException : KeyNotFoundException
{
    /// <summary>Initializes a new instance of the <see cref="WebhookNotFoundException"/> class.</summary>
    public WebhookNotFoundException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WebhookNotFoundException"/> class.</summary>
    /// <param name="message">The message.</param>
    public WebhookNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WebhookNotFoundException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public WebhookNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal static WebhookNotFoundException Destination(string tenantId, string id)
        => new($"Webhook destination '{id}' was not found in tenant '{tenantId}'.");

    internal static WebhookNotFoundException Delivery(string tenantId, string id)
        => new($"Webhook delivery '{id}' was not found in tenant '{tenantId}'.");
}

/// <summary>
/// Thrown when a destination changed between reading it and writing it (optimistic concurrency): nothing was written.
/// Read it again and retry, or report a conflict (HTTP 409, or 412 for a failed <c>If-Match</c>).
/// </summary>
public sealed class WebhookConcurrencyException : InvalidOperationException
{
    /// <summary>Initializes a new instance of the <see cref="WebhookConcurrencyException"/> class.</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="destinationId">The destination id.</param>
    /// <param name="expectedVersion">The version the writer read.</param>
    /// <param name="actualVersion">The version stored now.</param>
    public WebhookConcurrencyException(string tenantId, string destinationId, long expectedVersion, long actualVersion)
        : base($"Webhook destination '{destinationId}' in tenant '{tenantId}' changed meanwhile: expected version {expectedVersion}, found {actualVersion}. Read it again and retry.")
    {
        TenantId = tenantId;
        DestinationId = destinationId;
        ExpectedVersion = expectedVersion;
        ActualVersion = actualVersion;
    }

    /// <summary>Initializes a new instance of the <see cref="WebhookConcurrencyException"/> class.</summary>
    public WebhookConcurrencyException()
        : this("The webhook destination changed meanwhile.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WebhookConcurrencyException"/> class.</summary>
    /// <param name="message">The message.</param>
    public WebhookConcurrencyException(string message)
        : base(message)
    {
        TenantId = string.Empty;
        DestinationId = string.Empty;
    }

    /// <summary>Initializes a new instance of the <see cref="WebhookConcurrencyException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public WebhookConcurrencyException(string message, Exception innerException)
        : base(message, innerException)
    {
        TenantId = string.Empty;
        DestinationId = string.Empty;
    }

    /// <summary>Gets the tenant.</summary>
    public string TenantId { get; }

    /// <summary>Gets the destination id.</summary>
    public string DestinationId { get; }

    /// <summary>Gets the version the writer read.</summary>
    public long ExpectedVersion { get; }

    /// <summary>Gets the version stored when the write was refused.</summary>
    public long ActualVersion { get; }
}

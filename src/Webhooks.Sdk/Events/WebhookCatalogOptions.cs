namespace Webhooks.Sdk;

/// <summary>How strictly the event-type catalogue is enforced.</summary>
public enum WebhookCatalogMode
{
    /// <summary>Any event type may be published and subscribed to; the catalogue documents and lists types.</summary>
    Open = 0,

    /// <summary>
    /// Only registered event types may be published, and a subscription must match at least one registered type; both
    /// are refused otherwise, with the nearest registered name suggested.
    /// </summary>
    Strict = 1,
}

/// <summary>Settings of the event-type catalogue.</summary>
/// <remarks>
/// Event types are matched case-sensitively (ordinal). In both modes, a type or subscription that differs from a
/// registered type only in case (<c>Scan.Completed</c> beside <c>scan.completed</c>) is refused.
/// </remarks>
public sealed class WebhookCatalogOptions
{
    /// <summary>Gets or sets how strictly the catalogue is enforced (<c>Open</c> or <c>Strict</c>).</summary>
    /// <value>The default value is <see cref="WebhookCatalogMode.Open"/>.</value>
    public WebhookCatalogMode Mode { get; set; } = WebhookCatalogMode.Open;
}

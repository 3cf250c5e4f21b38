using System.Text.Json;

namespace Webhooks.Sdk.AspNetCore;

/// <summary>The body of <c>POST /destinations/filter/test</c>: a payload filter and an event to try it on.</summary>
public sealed class WebhookFilterTestRequest
{
    /// <summary>Gets or sets the filter (see docs/filters.md).</summary>
    public JsonElement Filter { get; set; }

    /// <summary>Gets or sets the event.</summary>
    public WebhookEvent? Event { get; set; }
}

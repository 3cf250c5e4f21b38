namespace Webhooks.Sdk.AspNetCore.Api;

/// <summary>Tells <c>MapWebhooksApi</c> that <c>AddWebhooksApi</c> was called.</summary>
internal sealed class WebhooksApiMarker;

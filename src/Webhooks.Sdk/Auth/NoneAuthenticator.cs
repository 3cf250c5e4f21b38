namespace Webhooks.Sdk.Auth;

internal sealed class NoneAuthenticator : IWebhookAuthenticator
{
    public string Kind => WebhookAuthKinds.None;

    public void Validate(WebhookAuth auth, IList<WebhookValidationError> errors)
    {
    }

    public WebhookAuthDescription Describe(WebhookAuth auth) => WebhookAuthDescription.None;

    public ValueTask ApplyAsync(WebhookAuthContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

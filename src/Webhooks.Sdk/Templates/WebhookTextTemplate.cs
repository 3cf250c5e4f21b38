namespace Webhooks.Sdk;

/// <summary>
/// Renders a plain-text field template (<c>${title}</c>, <c>${data.repo}</c>, <c>${severity:info}</c>; see
/// docs/templates.md) against an event, for transports that template a subject, a routing key or a mail subject.
/// Values are inserted as they are: escape for the target yourself.
/// </summary>
public static class WebhookTextTemplate
{
    /// <summary>Renders a template.</summary>
    /// <param name="template">The template.</param>
    /// <param name="webhookEvent">The event.</param>
    /// <returns>The text.</returns>
    /// <exception cref="ArgumentException">The template has a syntax error.</exception>
    public static string Render(string template, WebhookEvent webhookEvent)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(webhookEvent);
        try
        {
            return Templates.TemplateEngine.Render(template, new Templates.TemplateValues(webhookEvent, null), Templates.TemplateEscaping.None);
        }
        catch (Templates.TemplateSyntaxException ex)
        {
            throw new ArgumentException(ex.Message, nameof(template), ex);
        }
    }

    /// <summary>Checks a template's syntax.</summary>
    /// <param name="template">The template.</param>
    /// <returns><see langword="null"/> when it is valid; otherwise the problem and its line and column.</returns>
    public static string? Check(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        try
        {
            Templates.TemplateEngine.Check(template);
            return null;
        }
        catch (Templates.TemplateSyntaxException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>Renders a template against the library's sample event (every field set), to check at save time that it renders something.</summary>
    /// <param name="template">The template.</param>
    /// <returns>The text.</returns>
    public static string RenderSample(string template) => Render(template, Templates.TemplateValidation.Sample);
}

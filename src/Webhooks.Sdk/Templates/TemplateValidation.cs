using System.Text.Json;

namespace Webhooks.Sdk.Templates;

/// <summary>Checks templates when a destination is saved: syntax, and valid JSON for a JSON content type (with the error's position).</summary>
internal static class TemplateValidation
{
    /// <summary>An event with every standard field set, rendered to check a template's JSON.</summary>
    internal static readonly WebhookEvent Sample = new()
    {
        Id = "evt_sample",
        Type = "sample.event",
        OccurredAt = new DateTimeOffset(2026, 1, 15, 10, 30, 0, TimeSpan.Zero),
        Title = "Sample \"title\"",
        Summary = "Line one\nline two with \\ and \"quotes\"",
        Severity = WebhookSeverity.Error,
        Source = "sample-source",
        Subject = "sample-subject",
        CorrelationKey = "sample-key",
        Data = JsonSerializer.SerializeToElement(new { sample = true }),
    };

    public static void Validate(WebhookDestinationDefinition d, IList<WebhookValidationError> errors)
        => Validate(d, errors, 64 * 1024);

    /// <summary>Checks every template of the definition; <paramref name="maxLength"/> is <c>Safety.MaxTemplateLength</c>.</summary>
    public static void Validate(WebhookDestinationDefinition d, IList<WebhookValidationError> errors, int maxLength)
    {
        var contentType = Formatting.FormatKit.Setting(d, "contentType") ?? "application/json";
        var json = IsJson(contentType);
        Check(d.BodyTemplate, "BodyTemplate", json, maxLength, errors);
        CheckUrlTemplate(d.Url, "Url", errors);
        if (d.Correlation is { } correlation)
        {
            Check(correlation.UpdateBodyTemplate, "Correlation.UpdateBodyTemplate", json, maxLength, errors);
            Check(correlation.UpdateUrl, "Correlation.UpdateUrl", false, Math.Min(maxLength, Formatting.PayloadRenderer.MaxUrlLength), errors);
            CheckUrlTemplate(correlation.UpdateUrl, "Correlation.UpdateUrl", errors);
        }

        foreach (var (name, value) in d.Headers ?? new Dictionary<string, string>())
        {
            if (value is not null && value.Contains("${", StringComparison.Ordinal))
            {
                Check(value, $"Headers[{name}]", false, Math.Min(maxLength, Formatting.PayloadRenderer.MaxHeaderValueLength), errors);
            }
        }
    }

    /// <summary>
    /// A URL template may use fields only after its host: the scheme, user-info, host and port are literal, so event
    /// data never chooses where the destination's credentials and signature are sent.
    /// </summary>
    private static void CheckUrlTemplate(string? url, string field, IList<WebhookValidationError> errors)
    {
        if (url is null || !url.Contains('$', StringComparison.Ordinal))
        {
            return;
        }

        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var start = scheme < 0 ? 0 : scheme + 3;
        var end = url.IndexOfAny(['/', '?', '#'], start);
        var authority = url[..(end < 0 ? url.Length : end)];
        if (authority.Contains('$', StringComparison.Ordinal))
        {
            errors.Add(new(field, "must not use template fields in its scheme, host or port; fields may appear only in the path and query"));
        }
    }

    public static bool IsJson(string contentType)
    {
        var media = contentType.Split(';')[0].Trim();
        return media.EndsWith("/json", StringComparison.OrdinalIgnoreCase) || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static void Check(string? template, string field, bool json, int maxLength, IList<WebhookValidationError> errors)
    {
        if (template is null)
        {
            return;
        }

        if (template.Length > maxLength)
        {
            errors.Add(new(field, $"is {template.Length} characters long; the limit is {maxLength} (Safety.MaxTemplateLength)"));
            return;
        }

        try
        {
            TemplateEngine.Check(template);
        }
        catch (TemplateSyntaxException ex)
        {
            errors.Add(new(field, "is not a valid template: " + ex.Message));
            return;
        }

        if (!json)
        {
            return;
        }

        var map = new List<(int Out, int In, int Length)>();
        var rendered = TemplateEngine.Render(template, new TemplateValues(Sample, "sample-id"), TemplateEscaping.Json, map);
        try
        {
            using var document = JsonDocument.Parse(rendered);
        }
        catch (JsonException ex)
        {
            var outOffset = Offset(rendered, (int)(ex.LineNumber ?? 0), (int)(ex.BytePositionInLine ?? 0));
            var inOffset = template.Length;
            foreach (var (o, i, length) in map)
            {
                if (outOffset >= o && outOffset <= o + length)
                {
                    inOffset = i + (outOffset - o);
                    break;
                }

                if (o > outOffset)
                {
                    inOffset = i;
                    break;
                }
            }

            var (line, column) = TemplateEngine.Position(template, inOffset);
            var reason = ex.Message.Split(" Path:", StringSplitOptions.None)[0].Split(" LineNumber:", StringSplitOptions.None)[0];
            errors.Add(new(field, $"does not yield valid JSON at line {line}, column {column}: {reason}"));
        }
    }

    private static int Offset(string text, int line, int bytePosition)
    {
        var index = 0;
        for (var l = 0; l < line && index < text.Length; l++)
        {
            var newline = text.IndexOf('\n', index);
            index = newline < 0 ? text.Length : newline + 1;
        }

        var bytes = 0;
        while (index < text.Length && bytes < bytePosition)
        {
            bytes += System.Text.Encoding.UTF8.GetByteCount(text.AsSpan(index, char.IsHighSurrogate(text[index]) ? 2 : 1));
            index += char.IsHighSurrogate(text[index]) ? 2 : 1;
        }

        return index;
    }
}

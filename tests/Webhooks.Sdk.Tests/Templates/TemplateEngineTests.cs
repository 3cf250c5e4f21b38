using System.Text.Json;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Templates;
using Webhooks.Sdk.Tests.Formatting;

namespace Webhooks.Sdk.Tests.Templates;

public class TemplateEngineTests
{
    private static TemplateValues Values(string? correlationId = null) => new(FormatTestKit.Sample(e => e with
    {
        Subject = "alice",
        Data = JsonSerializer.SerializeToElement(new { user = new { name = "Al \"Q\" \\ x\ny", age = 42 }, items = new[] { "a", "b" }, flag = true, none = (string?)null, empty = "" }),
        Metadata = new Dictionary<string, string> { ["actor"] = "bob" },
    }), correlationId);

    private static string Plain(string template, string? correlationId = null) => TemplateEngine.Render(template, Values(correlationId), TemplateEscaping.None);

    [TestCase("$type", "user.login.failed")]
    [TestCase("${type}", "user.login.failed")]
    [TestCase("[$id]", "[evt_01JABC]")]
    [TestCase("$title.", "Login failed for alice.")]
    [TestCase("${data.user.age}", "42")]
    [TestCase("$data.user.age!", "42!")]
    [TestCase("${data.items.1}", "b")]
    [TestCase("${data.flag}", "true")]
    [TestCase("${data.items}", "[\"a\",\"b\"]")]
    [TestCase("${metadata.actor}", "bob")]
    [TestCase("${severity}/${source}/${subject}", "error/auth-service/alice")]
    [TestCase("${time}", "2026-01-15T10:30:00.123Z")]
    [TestCase("${headline}", "[ERROR] Login failed for alice (auth-service)")]
    public void Render_EverySyntaxForm_Substitutes(string template, string expected)
        => Plain(template).Should().Be(expected);

    [TestCase("${data.missing}", "NA")]
    [TestCase("$nosuchfield", "NA")]
    [TestCase("${data.none}", "NA")]
    [TestCase("${data.user.name.deeper}", "NA")]
    [TestCase("${data.items.9}", "NA")]
    [TestCase("${data.missing:fallback}", "fallback")]
    [TestCase("${data.missing:}", "")]
    [TestCase("${data.empty:was empty}", "was empty")]
    [TestCase("${correlationId:new}", "new")]
    [TestCase("${correlationId}", "NA")]
    [TestCase("${data.missing:a:b}", "a:b")]
    [TestCase("${data.missing:{}}", "{}")]
    public void Render_MissingFields_DefaultOrNA(string template, string expected)
        => Plain(template).Should().Be(expected);

    [Test]
    public void Render_CorrelationId_Substituted()
        => Plain("/tickets/${correlationId:none}", "35436").Should().Be("/tickets/35436");

    [TestCase("$$", "$")]
    [TestCase("cost: $$5", "cost: $5")]
    [TestCase("$$type", "$type")]
    [TestCase("a $ b", "a $ b")]
    [TestCase("$1", "$1")]
    [TestCase("end$", "end$")]
    public void Render_Escapes_LiteralDollar(string template, string expected)
        => Plain(template).Should().Be(expected);

    [Test]
    public void Render_JsonInsideString_ValueJsonEscaped()
    {
        var rendered = TemplateEngine.Render("{\"name\":\"Name: ${data.user.name}\"}", Values(), TemplateEscaping.Json);

        rendered.Should().Be("{\"name\":\"Name: Al \\\"Q\\\" \\\\ x\\ny\"}");
        JsonDocument.Parse(rendered).RootElement.GetProperty("name").GetString().Should().Be("Name: Al \"Q\" \\ x\ny");
    }

    [Test]
    public void Render_JsonOutsideString_TypedJsonValues()
    {
        var rendered = TemplateEngine.Render("{\"age\":${data.user.age},\"name\":$title,\"items\":${data.items},\"m\":${data.missing},\"d\":${data.missing:0}}", Values(), TemplateEscaping.Json);

        rendered.Should().Be("{\"age\":42,\"name\":\"Login failed for alice\",\"items\":[\"a\",\"b\"],\"m\":\"NA\",\"d\":0}");
    }

    [Test]
    public void Render_JsonEscapedQuoteInLiteral_StaysInsideString()
        => TemplateEngine.Render("{\"a\":\"x\\\" $type\"}", Values(), TemplateEscaping.Json).Should().Be("{\"a\":\"x\\\" user.login.failed\"}");

    [Test]
    public void Render_Url_ValuesPercentEncoded()
        => TemplateEngine.Render("https://x.example/api/${data.user.name}?q=$type", Values(), TemplateEscaping.Url)
            .Should().Be("https://x.example/api/Al%20%22Q%22%20%5C%20x%0Ay?q=user.login.failed");

    [TestCase("abc ${type", 1, 5)]
    [TestCase("line1\n  ${}", 2, 5)]
    [TestCase("${bad name}", 1, 3)]
    [TestCase("${a..b}", 1, 3)]
    public void Check_InvalidTemplates_ErrorWithPosition(string template, int line, int column)
    {
        var act = () => TemplateEngine.Check(template);
        act.Should().Throw<TemplateSyntaxException>().Where(e => e.Line == line && e.Column == column);
    }

    [Test]
    public void BuiltIn_BasicAndAllFields_RenderValidJson()
    {
        var basic = JsonDocument.Parse(TemplateEngine.Render(WebhookTemplates.BuiltIn["basic"], Values(), TemplateEscaping.Json)).RootElement;
        var all = JsonDocument.Parse(TemplateEngine.Render(WebhookTemplates.BuiltIn["all fields"], Values(), TemplateEscaping.Json)).RootElement;

        basic.GetProperty("title").GetString().Should().Be("Login failed for alice");
        all.GetProperty("data").GetProperty("user").GetProperty("age").GetInt32().Should().Be(42);
        all.GetProperty("subject").GetString().Should().Be("alice");
    }
}

public class TemplateValidationTests
{
    private static List<WebhookValidationError> Validate(WebhookDestinationDefinition d)
    {
        var errors = new List<WebhookValidationError>();
        TemplateValidation.Validate(d, errors);
        return errors;
    }

    [Test]
    public void Validate_InvalidJsonTemplate_RefusedWithTemplatePosition()
    {
        var errors = Validate(new WebhookDestinationDefinition { Name = "t", Url = "https://x.example", BodyTemplate = "{\n  \"a\": \"$type\",\n  \"b\": oops\n}" });

        errors.Should().ContainSingle().Which.Should().Be(errors[0]);
        errors[0].Field.Should().Be("BodyTemplate");
        errors[0].Message.Should().StartWith("does not yield valid JSON at line 3, column 8");
    }

    [Test]
    public void Validate_TrailingCommaAfterVariable_PositionAfterTheVariable()
    {
        var errors = Validate(new WebhookDestinationDefinition { Name = "t", Url = "https://x.example", BodyTemplate = "{\"a\":\"${title}\",}" });
        errors.Should().ContainSingle().Which.Message.Should().StartWith("does not yield valid JSON at line 1, column 17");
    }

    [Test]
    public void Validate_SyntaxError_RefusedWithPosition()
        => Validate(new WebhookDestinationDefinition { Name = "t", Url = "https://x.example", BodyTemplate = "{\"a\":\"${title" })
            .Should().ContainSingle().Which.Message.Should().Be("is not a valid template: '${' is not closed by '}' at line 1, column 7");

    [Test]
    public void Validate_NonJsonContentType_AnyTextAccepted()
    {
        var d = new WebhookDestinationDefinition { Name = "t", Url = "https://x.example", BodyTemplate = "plain $title {" };
        d.FormatSettings["contentType"] = "text/plain";
        Validate(d).Should().BeEmpty();
    }

    [Test]
    public void Validate_ValuesThatNeedEscaping_StillValidJson()
        => Validate(new WebhookDestinationDefinition { Name = "t", Url = "https://x.example", BodyTemplate = WebhookTemplates.AllFields }).Should().BeEmpty();

    [Test]
    public void Validate_BadUpdateTemplates_Refused()
    {
        var d = new WebhookDestinationDefinition
        {
            Name = "t",
            Url = "https://x.example",
            Correlation = new WebhookCorrelationSettings { IdPath = "id", UpdateUrl = "https://x.example/${correlationId", UpdateBodyTemplate = "{" },
        };
        Validate(d).Select(e => e.Field).Should().BeEquivalentTo("Correlation.UpdateUrl", "Correlation.UpdateBodyTemplate");
    }

    [Test]
    public async Task CreateAsync_InvalidJsonTemplate_RefusedAtSave()
    {
        await using var host = await Webhooks.Sdk.Tests.Support.WebhookTestHost.StartAsync(start: false);
        var act = () => host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "t", Url = "http://127.0.0.1:9/x", BodyTemplate = "{\"a\": $title" });

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().Contain(e => e.Field == "BodyTemplate" && e.Message.Contains("line 1, column", StringComparison.Ordinal));
    }
}

public class TemplatedDeliveryTests
{
    [Test]
    public async Task Publish_TemplatedBodyUrlAndHeader_ReceiverGetsRenderedRequest()
    {
        await using var receiver = await Webhooks.Sdk.Testing.LocalWebhookReceiver.StartAsync();
        await using var host = await Webhooks.Sdk.Tests.Support.WebhookTestHost.StartAsync();
        var destination = new WebhookDestinationDefinition
        {
            Name = "templated",
            Url = receiver.Url("/api/").ToString() + "${type}?user=${data.user}",
            BodyTemplate = "{\"alert\":\"$title\",\"note\":\"${summary}\",\"count\":${data.attempts:0},\"price\":\"$$5\"}",
        };
        destination.Headers["X-Correlation"] = "${correlationKey:none}";
        await host.Destinations.CreateAsync(destination);

        var result = await host.Publisher.PublishAsync(FormatTestKit.Sample(e => e with { Id = null, Summary = "say \"hi\"\nnow", Data = JsonSerializer.SerializeToElement(new { user = "a b" }) }));
        (await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);

        var request = receiver.Requests.Should().ContainSingle().Subject;
        request.Path.Should().Be("/api/user.login.failed");
        request.QueryString.Should().Be("?user=a%20b");
        request.Header("X-Correlation").Should().Be("none");
        request.Header("Content-Type").Should().Be("application/json");
        request.BodyText.Should().Be("{\"alert\":\"Login failed for alice\",\"note\":\"say \\\"hi\\\"\\nnow\",\"count\":0,\"price\":\"$5\"}");
    }
}

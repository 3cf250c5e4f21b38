using Microsoft.Extensions.Time.Testing;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Formatting;
using static Webhooks.Sdk.Tests.Formatting.FormatTestKit;

namespace Webhooks.Sdk.Tests.Formatting;

public class SlackFormatterTests
{
    [Test]
    public void Format_SampleEvent_ExactBlockKitBody()
    {
        var payload = Format("slack", Sample());

        payload.ContentType.Should().Be("application/json; charset=utf-8");
        Body(payload).Should().Be(
            "{\"text\":\"[ERROR] Login failed for alice (auth-service)\",\"blocks\":[{\"type\":\"header\",\"text\":{\"type\":\"plain_text\",\"text\":\"Login failed for alice\",\"emoji\":true}},"
            + "{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":\"3 failed attempts; account locked.\"}},"
            + "{\"type\":\"section\",\"fields\":[{\"type\":\"mrkdwn\",\"text\":\"*Severity*\\nerror\"},{\"type\":\"mrkdwn\",\"text\":\"*Type*\\nuser.login.failed\"},{\"type\":\"mrkdwn\",\"text\":\"*Source*\\nauth-service\"},{\"type\":\"mrkdwn\",\"text\":\"*user*\\nalice\"}]},"
            + "{\"type\":\"context\",\"elements\":[{\"type\":\"mrkdwn\",\"text\":\"id evt_01JABC · 2026-01-15T10:30:00.123Z\"}]}]}");
    }

    [Test]
    public void Format_LongTitleEndingInEmoji_HeaderCutAt150WithoutSplittingTheEmoji()
    {
        var title = new string('a', 148) + "😀😀";
        var json = Json(Format("slack", Sample(e => e with { Title = title })));

        var header = json.GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString()!;
        header.Length.Should().BeLessThanOrEqualTo(150);
        header.Should().Be(new string('a', 148) + "…");
        Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(header)).Should().Be(header, "no lone surrogate may be left");
    }

    [Test]
    public void Format_LongSummary_SplitIntoSectionsOfAtMost3000()
    {
        var summary = string.Concat(Enumerable.Repeat("é🙂x", 2500));
        var json = Json(Format("slack", Sample(e => e with { Summary = summary })));

        var sections = json.GetProperty("blocks").EnumerateArray().Where(b => b.GetProperty("type").GetString() == "section" && b.TryGetProperty("text", out _)).Select(b => b.GetProperty("text").GetProperty("text").GetString()!).ToList();
        sections.Should().HaveCountGreaterThan(1);
        sections.Should().OnlyContain(s => s.Length <= SlackFormatter.SectionMax);
        string.Concat(sections).Should().Be(summary);
    }

    [Test]
    public void Format_ManyFields_AtMost10PerSectionAnd50BlocksWithNotice()
    {
        var data = Enumerable.Range(0, 600).ToDictionary(i => "k" + i, i => "v" + i);
        var json = Json(Format("slack", Sample(e => e with { Data = JsonSerializer.SerializeToElement(data) })));

        var blocks = json.GetProperty("blocks").EnumerateArray().ToList();
        blocks.Should().HaveCount(SlackFormatter.MaxBlocks);
        blocks.Where(b => b.TryGetProperty("fields", out _)).Should().OnlyContain(b => b.GetProperty("fields").GetArrayLength() <= 10);
        blocks[^1].GetRawText().Should().Contain("Message truncated");
    }

    [Test]
    public void Format_ControlCharacters_AmpersandAndAnglesEscapedFirstAmpersand()
    {
        var json = Json(Format("slack", Sample(e => e with { Summary = "a & b <!channel> > c", Title = "<@U123>" })));

        json.GetProperty("text").GetString().Should().Be("[ERROR] &lt;@U123&gt; (auth-service)");
        json.GetProperty("blocks")[1].GetProperty("text").GetProperty("text").GetString().Should().Be("a &amp; b &lt;!channel&gt; &gt; c");
    }

    [Test]
    public void Format_PlainTextFormat_SectionsArePlainText()
    {
        var json = Json(Format("slack", Sample(e => e with { Summary = "*not bold* & raw" }), text: WebhookTextFormat.PlainText));

        var section = json.GetProperty("blocks")[1].GetProperty("text");
        section.GetProperty("type").GetString().Should().Be("plain_text");
        section.GetProperty("text").GetString().Should().Be("*not bold* & raw");
    }
}

public class TeamsFormatterTests
{
    [Test]
    public void Format_SampleEvent_ExactAdaptiveCardMessage()
    {
        Body(Format("teams", Sample())).Should().Be(
            "{\"type\":\"message\",\"attachments\":[{\"contentType\":\"application/vnd.microsoft.card.adaptive\",\"contentUrl\":null,\"content\":{\"$schema\":\"http://adaptivecards.io/schemas/adaptive-card.json\",\"type\":\"AdaptiveCard\",\"version\":\"1.4\",\"msteams\":{\"width\":\"Full\"},\"body\":["
            + "{\"type\":\"TextBlock\",\"text\":\"Login failed for alice\",\"size\":\"Large\",\"weight\":\"Bolder\",\"wrap\":true,\"color\":\"Attention\"},"
            + "{\"type\":\"TextBlock\",\"text\":\"3 failed attempts; account locked.\",\"wrap\":true},"
            + "{\"type\":\"FactSet\",\"facts\":[{\"title\":\"Severity\",\"value\":\"error\"},{\"title\":\"Type\",\"value\":\"user.login.failed\"},{\"title\":\"Source\",\"value\":\"auth-service\"},{\"title\":\"Time\",\"value\":\"2026-01-15T10:30:00.123Z\"},{\"title\":\"Id\",\"value\":\"evt\\\\_01JABC\"},{\"title\":\"user\",\"value\":\"alice\"}]}]}}]}");
    }

    [Test]
    public void Format_HugeEvent_BodyStaysUnderLimitInUtf8Bytes()
    {
        var data = Enumerable.Range(0, 2000).ToDictionary(i => "key" + i, i => "värde-😀-" + i);
        var payload = Format("teams", Sample(e => e with { Summary = string.Concat(Enumerable.Repeat("日本語😀", 20_000)), Data = JsonSerializer.SerializeToElement(data) }));

        payload.Body.Length.Should().BeLessThanOrEqualTo(TeamsFormatter.MaxBytes);
        var json = Json(payload);
        json.GetProperty("type").GetString().Should().Be("message");
        json.GetRawText().Should().Contain("left out to fit");
    }

    [Test]
    public void Format_MarkdownSpecials_Escaped()
    {
        var json = Json(Format("teams", Sample(e => e with { Summary = "a*b_c [x](y) `z` #h" })));

        json.GetProperty("attachments")[0].GetProperty("content").GetProperty("body")[1].GetProperty("text").GetString()
            .Should().Be("a\\*b\\_c \\[x\\](y) \\`z\\` \\#h");
    }
}

public class DiscordFormatterTests
{
    [Test]
    public void Format_SampleEvent_ExactEmbedAndWaitTrue()
    {
        var payload = Format("discord", Sample());

        payload.Url.Should().Be("https://hooks.example.com/hook?wait=true");
        Body(payload).Should().Be(
            "{\"content\":\"[ERROR] Login failed for alice (auth-service)\",\"allowed_mentions\":{\"parse\":[]},\"embeds\":[{\"title\":\"Login failed for alice\",\"description\":\"3 failed attempts; account locked.\",\"color\":15092249,\"timestamp\":\"2026-01-15T10:30:00.123Z\",\"footer\":{\"text\":\"auth-service · evt_01JABC\"},"
            + "\"fields\":[{\"name\":\"Severity\",\"value\":\"error\",\"inline\":true},{\"name\":\"Type\",\"value\":\"user.login.failed\",\"inline\":true},{\"name\":\"user\",\"value\":\"alice\",\"inline\":true}]}]}");
    }

    [Test]
    public void Format_EverythingLong_EmbedLimitsAndThe6000AggregateHold()
    {
        var data = Enumerable.Range(0, 100).ToDictionary(i => new string('n', 300) + i, i => new string('v', 2000));
        var evt = Sample(e => e with { Title = new string('t', 300) + "🎉", Summary = string.Concat(Enumerable.Repeat("🙂", 5000)), Data = JsonSerializer.SerializeToElement(data) });
        var embed = Json(Format("discord", evt)).GetProperty("embeds")[0];

        var title = embed.GetProperty("title").GetString()!;
        var description = embed.GetProperty("description").GetString()!;
        var footer = embed.GetProperty("footer").GetProperty("text").GetString()!;
        var fields = embed.GetProperty("fields").EnumerateArray().ToList();
        title.Length.Should().BeLessThanOrEqualTo(256);
        description.Length.Should().BeLessThanOrEqualTo(4096);
        fields.Count.Should().BeLessThanOrEqualTo(25);
        fields.Should().OnlyContain(f => f.GetProperty("name").GetString()!.Length <= 256 && f.GetProperty("value").GetString()!.Length <= 1024);
        var total = title.Length + description.Length + footer.Length + fields.Sum(f => f.GetProperty("name").GetString()!.Length + f.GetProperty("value").GetString()!.Length);
        total.Should().BeLessThanOrEqualTo(6000);
        description.Should().EndWith("…").And.NotContain("\uFFFD");
        char.IsHighSurrogate(description[^2]).Should().BeFalse("the emoji before the ellipsis must be whole");
    }

    [Test]
    public void Format_UrlWithQuery_WaitAppendedWithAmpersand()
        => DiscordFormatter.WithWait("https://discord.com/api/webhooks/1/t?thread_id=9").Should().Be("https://discord.com/api/webhooks/1/t?thread_id=9&wait=true");
}

public class GoogleChatFormatterTests
{
    [Test]
    public void Format_SampleEvent_ExactCardsV2Body()
    {
        Body(Format("gchat", Sample())).Should().Be(
            "{\"text\":\"[ERROR] Login failed for alice (auth-service)\",\"cardsV2\":[{\"cardId\":\"evt_01JABC\",\"card\":{\"header\":{\"title\":\"Login failed for alice\",\"subtitle\":\"auth-service · error\"},\"sections\":[{\"widgets\":["
            + "{\"textParagraph\":{\"text\":\"3 failed attempts; account locked.\"}},{\"decoratedText\":{\"topLabel\":\"Type\",\"text\":\"user.login.failed\",\"wrapText\":true}},{\"decoratedText\":{\"topLabel\":\"Time\",\"text\":\"2026-01-15T10:30:00.123Z\",\"wrapText\":true}},{\"decoratedText\":{\"topLabel\":\"user\",\"text\":\"alice\",\"wrapText\":true}}]}]}}]}");
    }

    [Test]
    public void Format_ThreadKeyTemplate_ThreadInBodyAndReplyOptionInUrl()
    {
        var payload = Format("gchat", Sample(e => e with { CorrelationKey = "alice" }), new Dictionary<string, string> { ["threadKey"] = "${type}:${correlationKey}" });

        Json(payload).GetProperty("thread").GetProperty("threadKey").GetString().Should().Be("user.login.failed:alice");
        payload.Url.Should().Be("https://hooks.example.com/hook?messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD");
    }

    [Test]
    public void Format_HugeEvent_AtMost32000BytesAndHtmlEscaped()
    {
        var payload = Format("gchat", Sample(e => e with { Summary = string.Concat(Enumerable.Repeat("<b>ü</b>&", 10_000)) }));

        payload.Body.Length.Should().BeLessThanOrEqualTo(GoogleChatFormatter.MaxBytes);
        Body(payload).Should().Contain("&lt;b&gt;ü&lt;/b&gt;&amp;");
    }
}

public class FeishuFormatterTests
{
    [TestCase(1599360473L, "demo", "l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=")]
    [TestCase(1716283459L, "dGhpcyBpcyBhIGtleQ==", "8EyY+xxfJvzWjZQpdc2mgvQFaG7lF5nbxl7RITyMkJU=")]
    public void Sign_KnownVectors_Match(long timestamp, string secret, string expected)
        => FeishuFormatter.Sign(timestamp, secret).Should().Be(expected);

    [Test]
    public void Format_SampleEvent_ExactInteractiveCard()
    {
        Body(Format("feishu", Sample())).Should().Be(
            "{\"msg_type\":\"interactive\",\"card\":{\"schema\":\"2.0\",\"header\":{\"title\":{\"tag\":\"plain_text\",\"content\":\"Login failed for alice\"},\"subtitle\":{\"tag\":\"plain_text\",\"content\":\"auth-service · error\"},\"template\":\"orange\"},"
            + "\"body\":{\"elements\":[{\"tag\":\"markdown\",\"content\":\"**Type:** user.login.failed\\n**Time:** 2026-01-15T10:30:00.123Z\\n**user:** alice\\n3 failed attempts; account locked.\"}]}}}");
    }

    [Test]
    public void Format_WithSecret_TimestampAndSignAtTopLevel()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1599360473));
        var formatter = new FeishuFormatter(time);
        var context = Context(Sample(), Destination("feishu", new Dictionary<string, string> { ["secret"] = "demo" }));

        var json = Json(formatter.Format(context));

        json.GetProperty("timestamp").GetString().Should().Be("1599360473");
        json.GetProperty("sign").GetString().Should().Be("l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=");
        formatter.GetCacheKey(context).Should().BeNull("a signed body depends on the time");
    }

    [Test]
    public void Format_HugeEvent_AtMost20000Bytes()
        => Format("feishu", Sample(e => e with { Summary = string.Concat(Enumerable.Repeat("汉字😀", 20_000)) })).Body.Length.Should().BeLessThanOrEqualTo(FeishuFormatter.MaxBytes);
}

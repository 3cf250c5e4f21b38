using Microsoft.Extensions.Time.Testing;
using System.Text;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using static Webhooks.Sdk.Tests.Signing.SignatureTestKit;

namespace Webhooks.Sdk.Tests.Signing;

public class StandardWebhooksVerifierTests
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(StandardBody);

    [Test]
    public async Task Sign_ReferenceVector_ProducesSpecificationSignature()
    {
        var headers = await SignAsync(HmacSignatureWebhookAuth.StandardWebhooks(StandardSecret), StandardId, StandardTimestamp, StandardBody);

        headers["webhook-signature"].Should().Be(StandardSignature);
    }

    [Test]
    public void Verify_ReferenceVector_Accepts()
    {
        var verifier = new StandardWebhooksVerifier([StandardSecret], new FakeTimeProvider(At(StandardTimestamp)));

        verifier.Invoking(v => v.Verify(StandardId, StandardTimestamp.ToString(System.Globalization.CultureInfo.InvariantCulture), StandardSignature, Body)).Should().NotThrow();
    }

    [Test]
    public async Task Verify_LibrarySignatureAfterOneByteChange_FailsForIdTimestampAndBody()
    {
        var body = "{\"type\":\"scan.completed\",\"data\":{\"findings\":3}}";
        var headers = await SignAsync(HmacSignatureWebhookAuth.StandardWebhooks(HmacSignatureWebhookAuth.GenerateSecret()) is var auth ? auth : null!, "evt_123abc", 1700000000, body);
        var verifier = new StandardWebhooksVerifier([auth.Secret!], new FakeTimeProvider(At(1700000000)));
        verifier.TryVerify(Lookup(headers), Encoding.UTF8.GetBytes(body), out var ok).Should().BeTrue(ok?.ToString());

        for (var i = 0; i < "evt_123abc".Length; i++)
        {
            verifier.TryVerify(n => n == "webhook-id" ? Flip("evt_123abc", i) : Lookup(headers)(n), Encoding.UTF8.GetBytes(body), out var failure).Should().BeFalse();
            failure.Should().Be(WebhookVerificationFailure.SignatureMismatch);
        }

        verifier.TryVerify(n => n == "webhook-timestamp" ? "1700000001" : Lookup(headers)(n), Encoding.UTF8.GetBytes(body), out var tsFailure).Should().BeFalse();
        tsFailure.Should().Be(WebhookVerificationFailure.SignatureMismatch);
        for (var i = 0; i < body.Length; i++)
        {
            verifier.TryVerify(Lookup(headers), Encoding.UTF8.GetBytes(Flip(body, i)), out var bodyFailure).Should().BeFalse($"byte {i} changed");
            bodyFailure.Should().Be(WebhookVerificationFailure.SignatureMismatch);
        }
    }

    [Test]
    public void Verify_SeveralSignaturesOneMatching_Accepts()
    {
        var verifier = new StandardWebhooksVerifier([StandardSecret], new FakeTimeProvider(At(StandardTimestamp)));

        verifier.Invoking(v => v.Verify(StandardId, "1614265330", "v1a,AAAA v1,Zm9vYmFyYmF6Zm9vYmFyYmF6Zm9vYmFyYmF6Zm9vYmFyYmE= " + StandardSignature, Body)).Should().NotThrow();
    }

    [Test]
    public void Verify_SeveralSecretsOneMatching_Accepts()
    {
        var verifier = new StandardWebhooksVerifier([HmacSignatureWebhookAuth.GenerateSecret(), StandardSecret], new FakeTimeProvider(At(StandardTimestamp)));

        verifier.Invoking(v => v.Verify(StandardId, "1614265330", StandardSignature, Body)).Should().NotThrow();
    }

    [TestCase(-301, WebhookVerificationFailure.TimestampTooNew)]
    [TestCase(301, WebhookVerificationFailure.TimestampTooOld)]
    public void Verify_TimestampOutsideFiveMinutes_ThrowsNamingTheCheck(int nowMinusTimestampSeconds, WebhookVerificationFailure expected)
    {
        var verifier = new StandardWebhooksVerifier([StandardSecret], new FakeTimeProvider(At(StandardTimestamp + nowMinusTimestampSeconds)));

        verifier.Invoking(v => v.Verify(StandardId, "1614265330", StandardSignature, Body))
            .Should().Throw<WebhookVerificationException>()
            .Where(e => e.Failure == expected && e.Message.Contains("timestamp", StringComparison.Ordinal) && !e.Message.Contains("g0hM", StringComparison.Ordinal));
    }

    [TestCase(-300)]
    [TestCase(300)]
    public void Verify_TimestampAtToleranceEdge_Accepts(int nowMinusTimestampSeconds)
    {
        var verifier = new StandardWebhooksVerifier([StandardSecret], new FakeTimeProvider(At(StandardTimestamp + nowMinusTimestampSeconds)));

        verifier.Invoking(v => v.Verify(StandardId, "1614265330", StandardSignature, Body)).Should().NotThrow();
    }

    [TestCase(null, "1614265330", StandardSignature, WebhookVerificationFailure.MissingMessageId)]
    [TestCase("msg.1", "1614265330", StandardSignature, WebhookVerificationFailure.MissingMessageId)]
    [TestCase(StandardId, null, StandardSignature, WebhookVerificationFailure.InvalidTimestamp)]
    [TestCase(StandardId, "16142653.30", StandardSignature, WebhookVerificationFailure.InvalidTimestamp)]
    [TestCase(StandardId, "1614265330", null, WebhookVerificationFailure.MissingSignature)]
    [TestCase(StandardId, "1614265330", "v2,abc", WebhookVerificationFailure.MissingSignature)]
    [TestCase(StandardId, "1614265330", "v1,h0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", WebhookVerificationFailure.SignatureMismatch)]
    public void Verify_BadHeaders_ThrowsNamingTheCheck(string? id, string? timestamp, string? signature, WebhookVerificationFailure expected)
    {
        var verifier = new StandardWebhooksVerifier([StandardSecret], new FakeTimeProvider(At(StandardTimestamp)));

        verifier.Invoking(v => v.Verify(id, timestamp, signature, Body)).Should().Throw<WebhookVerificationException>().Which.Failure.Should().Be(expected);
    }

    [Test]
    public void Constructor_NotBase64Secret_Throws()
    {
        var create = () => new StandardWebhooksVerifier("whsec_not base64!");

        create.Should().Throw<ArgumentException>().Which.Message.Should().NotContain("not base64!");
    }
}

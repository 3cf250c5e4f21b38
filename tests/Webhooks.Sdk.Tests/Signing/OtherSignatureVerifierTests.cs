using Microsoft.Extensions.Time.Testing;
using System.Text;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using static Webhooks.Sdk.Tests.Signing.SignatureTestKit;

namespace Webhooks.Sdk.Tests.Signing;

public class GitHubSignatureVerifierTests
{
    // The vector published in GitHub's documentation on validating webhook deliveries.
    private const string Secret = "It's a Secret to Everybody";
    private const string Body = "Hello, World!";
    private const string Signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    [Test]
    public async Task Sign_DocumentedVector_ProducesDocumentedHeader()
    {
        var headers = await SignAsync(HmacSignatureWebhookAuth.GitHub(Secret), "evt_1", 1700000000, Body);

        headers["X-Hub-Signature-256"].Should().Be(Signature);
    }

    [Test]
    public void Verify_DocumentedVector_Accepts() => new GitHubSignatureVerifier(Secret).Invoking(v => v.Verify(Signature, Encoding.UTF8.GetBytes(Body))).Should().NotThrow();

    [Test]
    public void Verify_UpperCaseHex_Accepts() => new GitHubSignatureVerifier(Secret).Invoking(v => v.Verify(Signature.ToUpperInvariant().Replace("SHA256=", "sha256=", StringComparison.Ordinal), Encoding.UTF8.GetBytes(Body))).Should().NotThrow();

    [Test]
    public void Verify_AnyOneByteChangeOfBody_Fails()
    {
        var verifier = new GitHubSignatureVerifier(Secret);
        for (var i = 0; i < Body.Length; i++)
        {
            verifier.Invoking(v => v.Verify(Signature, Encoding.UTF8.GetBytes(Flip(Body, i))))
                .Should().Throw<WebhookVerificationException>().Which.Failure.Should().Be(WebhookVerificationFailure.SignatureMismatch);
        }
    }

    [Test]
    public void Verify_MissingPrefix_IsMissingSignature()
        => new GitHubSignatureVerifier(Secret).Invoking(v => v.Verify(Signature["sha256=".Length..], Encoding.UTF8.GetBytes(Body)))
            .Should().Throw<WebhookVerificationException>().Which.Failure.Should().Be(WebhookVerificationFailure.MissingSignature);
}

public class StripeSignatureVerifierTests
{
    // Computed independently: printf '1614265330.{"test": 2432232314}' | openssl dgst -sha256 -hmac 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
    private const string Header = "t=1614265330,v1=2e37df5d4a028c51a7f3133d64ae1e300d2c2c900f1b1d49d4369ad2530f8964";

    [Test]
    public async Task Sign_KnownAnswer_ProducesStripeHeader()
    {
        var headers = await SignAsync(HmacSignatureWebhookAuth.Stripe(StandardSecret), StandardId, StandardTimestamp, StandardBody);

        headers["Stripe-Signature"].Should().Be(Header);
    }

    [Test]
    public void Verify_KnownAnswer_Accepts()
        => new StripeSignatureVerifier([StandardSecret], new FakeTimeProvider(At(StandardTimestamp)))
            .Invoking(v => v.Verify(Header, Encoding.UTF8.GetBytes(StandardBody))).Should().NotThrow();

    [Test]
    public void Verify_SecondV1Matches_Accepts()
        => new StripeSignatureVerifier([StandardSecret], new FakeTimeProvider(At(StandardTimestamp)))
            .Invoking(v => v.Verify("t=1614265330,v1=" + new string('0', 64) + ",v0=abc," + Header.Split(',')[1], Encoding.UTF8.GetBytes(StandardBody))).Should().NotThrow();

    [Test]
    public void Verify_OneByteChangeOfTimestampOrBody_Fails()
    {
        var verifier = new StripeSignatureVerifier([StandardSecret], new FakeTimeProvider(At(StandardTimestamp)));
        verifier.Invoking(v => v.Verify(Header.Replace("t=1614265330", "t=1614265331", StringComparison.Ordinal), Encoding.UTF8.GetBytes(StandardBody)))
            .Should().Throw<WebhookVerificationException>().Which.Failure.Should().Be(WebhookVerificationFailure.SignatureMismatch);
        for (var i = 0; i < StandardBody.Length; i++)
        {
            verifier.Invoking(v => v.Verify(Header, Encoding.UTF8.GetBytes(Flip(StandardBody, i))))
                .Should().Throw<WebhookVerificationException>().Which.Failure.Should().Be(WebhookVerificationFailure.SignatureMismatch);
        }
    }

    [Test]
    public void Verify_StaleTimestamp_IsTooOld()
        => new StripeSignatureVerifier([StandardSecret], new FakeTimeProvider(At(StandardTimestamp + 3600)))
            .Invoking(v => v.Verify(Header, Encoding.UTF8.GetBytes(StandardBody)))
            .Should().Throw<WebhookVerificationException>().Which.Failure.Should().Be(WebhookVerificationFailure.TimestampTooOld);
}

public class CustomSignatureVerifierTests
{
    private const string Secret = "a-custom-secret-1234";

    [Test]
    public async Task Sign_Sha512Base64BodyOnly_MatchesKnownAnswer()
    {
        var auth = new HmacSignatureWebhookAuth { Preset = WebhookSignaturePreset.Custom, Secret = Secret, HeaderName = "X-Acme-Signature", Algorithm = WebhookSignatureAlgorithm.Sha512, Encoding = WebhookSignatureEncoding.Base64 };

        var headers = await SignAsync(auth, StandardId, StandardTimestamp, StandardBody);

        // printf '{"test": 2432232314}' | openssl dgst -sha512 -binary -hmac 'a-custom-secret-1234' | base64
        headers["X-Acme-Signature"].Should().Be("FlszbCN5qme+z279BL7M511q91qXe5vMTTioXnsdmN0O82GsZQPk4eX9T8O8/P0CEmq8yeMWuT/1dqWuiBPBlQ==");
        new CustomSignatureVerifier(auth).Invoking(v => v.Verify(headers["X-Acme-Signature"], null, Encoding.UTF8.GetBytes(StandardBody))).Should().NotThrow();
    }

    [Test]
    public async Task Sign_PrefixedHexTimestamped_MatchesKnownAnswerAndVerifies()
    {
        var auth = new HmacSignatureWebhookAuth { Preset = WebhookSignaturePreset.Custom, Secret = Secret, HeaderName = "X-Acme-Signature", Prefix = "sha256=", SignedContent = WebhookSignedContent.TimestampAndBody };

        var headers = await SignAsync(auth, StandardId, StandardTimestamp, StandardBody);

        // printf '1614265330.{"test": 2432232314}' | openssl dgst -sha256 -hmac 'a-custom-secret-1234'
        headers["X-Acme-Signature"].Should().Be("sha256=83717aa6499a9da1d4c9e0c9761f317154b8e01718bde92eee6ce0784c1603ca");
        var verifier = new CustomSignatureVerifier(auth, new FakeTimeProvider(At(StandardTimestamp)));
        verifier.Invoking(v => v.Verify(headers["X-Acme-Signature"], "1614265330", Encoding.UTF8.GetBytes(StandardBody))).Should().NotThrow();
        verifier.Invoking(v => v.Verify(headers["X-Acme-Signature"], "1614265331", Encoding.UTF8.GetBytes(StandardBody)))
            .Should().Throw<WebhookVerificationException>().Which.Failure.Should().Be(WebhookVerificationFailure.SignatureMismatch);
        verifier.Invoking(v => v.Verify(headers["X-Acme-Signature"], "1614265330", Encoding.UTF8.GetBytes(Flip(StandardBody, 3))))
            .Should().Throw<WebhookVerificationException>().Which.Failure.Should().Be(WebhookVerificationFailure.SignatureMismatch);
    }
}

public class WebhookIdDeduplicatorTests
{
    [Test]
    public void TryMarkSeen_SameIdWithinWindow_IsDuplicate()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var dedup = new WebhookIdDeduplicator(TimeSpan.FromMinutes(10), time);

        dedup.TryMarkSeen("evt_1").Should().BeTrue();
        time.Advance(TimeSpan.FromMinutes(9));
        dedup.TryMarkSeen("evt_1").Should().BeFalse();
        dedup.TryMarkSeen("evt_2").Should().BeTrue();
    }

    [Test]
    public void TryMarkSeen_AfterWindow_IsNewAgain()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var dedup = new WebhookIdDeduplicator(TimeSpan.FromMinutes(10), time);
        dedup.TryMarkSeen("evt_1");

        time.Advance(TimeSpan.FromMinutes(10));

        dedup.Count.Should().Be(0);
        dedup.TryMarkSeen("evt_1").Should().BeTrue();
    }

    [Test]
    public void TryMarkSeen_BeyondMaxEntries_ForgetsOldestFirst()
    {
        var dedup = new WebhookIdDeduplicator(TimeSpan.FromHours(1), new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)), maxEntries: 2);
        dedup.TryMarkSeen("a");
        dedup.TryMarkSeen("b");
        dedup.TryMarkSeen("c");

        dedup.Count.Should().Be(2);
        dedup.TryMarkSeen("c").Should().BeFalse();
        dedup.TryMarkSeen("a").Should().BeTrue();
    }

    [Test]
    public void Forget_SeenId_AcceptsItAgain()
    {
        var dedup = new WebhookIdDeduplicator(TimeSpan.FromHours(1), new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        dedup.TryMarkSeen("a");

        dedup.Forget("a");

        dedup.TryMarkSeen("a").Should().BeTrue();
    }
}

using Microsoft.Extensions.Time.Testing;
using System.Collections.Concurrent;
using System.Text;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;
using WireMock.Types;
using WireMock.Util;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Auth;

public class OAuth2ClientCredentialsWebhookAuthTests
{
    private const string ClientId = "webhooks-client";
    private const string ClientSecret = "oauth-client-secret-xyz";

    [Test]
    public async Task TestAsync_TwoSends_FetchesTokenOnceAndReusesIt()
    {
        await using var server = await TokenServer.StartAsync(expiresIn: 3600);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await WebhookTestHost.StartAsync(time: time);
        var destination = await host.Destinations.CreateAsync(server.Destination());

        (await host.Destinations.TestAsync(destination.Id)).Success.Should().BeTrue();
        (await host.Destinations.TestAsync(destination.Id)).Success.Should().BeTrue();

        server.TokenRequests.Should().Be(1);
        server.HookAuthorizations.Should().Equal("Bearer tok-1", "Bearer tok-1");
        server.LastTokenRequestBody.Should().Contain("grant_type=client_credentials").And.Contain("scope=events.write").And.Contain("audience=https%3A%2F%2Fapi.example");
        server.LastTokenRequestAuthorization.Should().Be("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{ClientSecret}")));
    }

    [Test]
    public async Task Token_HeldByTheDestinationsState_ChangedSecretGetsANewTokenAndIdleEvictionForgetsIt()
    {
        await using var server = await TokenServer.StartAsync(expiresIn: 3600);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await WebhookTestHost.StartAsync(o => o.Dispatcher.DestinationIdleTimeout = TimeSpan.FromMinutes(1), time: time);
        var mapper = host.Services.GetRequiredService<Webhooks.Sdk.Destinations.DestinationMapper>();
        var definition = server.Destination();
        var destination = await host.Destinations.CreateAsync(definition);
        await host.Destinations.TestAsync(destination.Id);
        await host.Destinations.TestAsync(destination.Id);
        server.TokenRequests.Should().Be(1);

        var auth = (OAuth2ClientCredentialsWebhookAuth)definition.Auth!;
        await host.Destinations.UpdateAsync(destination.Id, new WebhookDestinationUpdate { Auth = new OAuth2ClientCredentialsWebhookAuth { TokenEndpoint = auth.TokenEndpoint, ClientId = ClientId, ClientSecret = "rotated-secret", Scope = auth.Scope, Audience = auth.Audience } });
        await host.Destinations.TestAsync(destination.Id);

        server.TokenRequests.Should().Be(2, "a changed secret is a new version of the destination: a new state and a new token");
        server.LastTokenRequestAuthorization.Should().Be("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:rotated-secret")));
        mapper.StateCount.Should().Be(1);

        time.Advance(TimeSpan.FromMinutes(2));
        mapper.StateCount.Should().Be(0, "the idle destination's state is dropped");
        await host.Destinations.TestAsync(destination.Id);

        server.TokenRequests.Should().Be(3, "the token went with the state, although it was still valid for an hour");
    }

    [Test]
    public async Task TestAsync_TokenNearExpiry_FetchesNewToken()
    {
        await using var server = await TokenServer.StartAsync(expiresIn: 300);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await WebhookTestHost.StartAsync(time: time);
        var destination = await host.Destinations.CreateAsync(server.Destination());

        await host.Destinations.TestAsync(destination.Id);
        time.Advance(TimeSpan.FromSeconds(200));
        await host.Destinations.TestAsync(destination.Id);
        time.Advance(TimeSpan.FromSeconds(50));
        await host.Destinations.TestAsync(destination.Id);

        server.TokenRequests.Should().Be(2, "the token is refreshed 60 s before its 300 s lifetime ends");
        server.HookAuthorizations.Should().Equal("Bearer tok-1", "Bearer tok-1", "Bearer tok-2");
    }

    [Test]
    public async Task TestAsync_ConcurrentSends_FetchTokenOnce()
    {
        await using var server = await TokenServer.StartAsync(expiresIn: 3600, tokenDelay: TimeSpan.FromMilliseconds(300));
        await using var host = await WebhookTestHost.StartAsync(time: new FakeTimeProvider(DateTimeOffset.UtcNow));
        var destination = await host.Destinations.CreateAsync(server.Destination());

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => host.Destinations.TestAsync(destination.Id)));

        results.Should().OnlyContain(r => r.Success);
        server.TokenRequests.Should().Be(1);
    }

    [Test]
    public async Task TestAsync_TokenRevoked_RefreshesOnceOn401AndSucceeds()
    {
        await using var server = await TokenServer.StartAsync(expiresIn: 3600);
        await using var host = await WebhookTestHost.StartAsync(time: new FakeTimeProvider(DateTimeOffset.UtcNow));
        var destination = await host.Destinations.CreateAsync(server.Destination());
        await host.Destinations.TestAsync(destination.Id);

        server.Revoke("tok-1");
        var result = await host.Destinations.TestAsync(destination.Id);

        result.Success.Should().BeTrue();
        server.TokenRequests.Should().Be(2);
        server.HookAuthorizations.Should().Equal("Bearer tok-1", "Bearer tok-1", "Bearer tok-2");
    }

    [Test]
    public async Task TestAsync_DestinationAlwaysRefuses_RefreshesOnlyOnce()
    {
        await using var server = await TokenServer.StartAsync(expiresIn: 3600, refuseAll: true);
        await using var host = await WebhookTestHost.StartAsync(time: new FakeTimeProvider(DateTimeOffset.UtcNow));
        var destination = await host.Destinations.CreateAsync(server.Destination());

        var result = await host.Destinations.TestAsync(destination.Id);

        result.StatusCode.Should().Be(401);
        server.TokenRequests.Should().Be(2);
        server.HookAuthorizations.Should().HaveCount(2);
    }

    [Test]
    public async Task TestAsync_TokenEndpointFails_AttemptFailsWithRedactedError()
    {
        await using var server = await TokenServer.StartAsync(expiresIn: 3600, tokenStatus: 500);
        await using var host = await WebhookTestHost.StartAsync(time: new FakeTimeProvider(DateTimeOffset.UtcNow));
        var definition = server.Destination();
        ((OAuth2ClientCredentialsWebhookAuth)definition.Auth!).TokenEndpoint += "?tenant=q-secret-123";
        var destination = await host.Destinations.CreateAsync(definition);

        var result = await host.Destinations.TestAsync(destination.Id);

        result.Success.Should().BeFalse();
        result.Error.Should().Contain("OAuth2 token endpoint").And.Contain("500").And.NotContain("q-secret-123");
        server.HookAuthorizations.Should().BeEmpty();
    }

    [TestCase("http://127.0.0.1:9/token", "must use https")]
    [TestCase("not a url", "not a valid absolute URL")]
    [TestCase("https://user:pw@auth.example/token", "user info")]
    public async Task CreateAsync_BadTokenEndpoint_RefusedNamingTheField(string endpoint, string expected)
    {
        await using var host = await WebhookTestHost.StartAsync(o => o.Safety.DangerouslyAllowHttp = false);
        var definition = new WebhookDestinationDefinition
        {
            Name = "x",
            Url = "https://127.0.0.1:9/hook",
            Auth = new OAuth2ClientCredentialsWebhookAuth { TokenEndpoint = endpoint, ClientId = ClientId, ClientSecret = ClientSecret },
        };

        var act = () => host.Destinations.CreateAsync(definition);

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().ContainSingle(e => e.Field == "Auth.TokenEndpoint" && e.Message.Contains(expected));
    }

    /// <summary>
    /// A WireMock.Net server on 127.0.0.1 scripting an OAuth2 token endpoint (<c>/token</c>) and a destination
    /// (<c>/hook</c>) that accepts only tokens it issued and has not revoked.
    /// </summary>
    private sealed class TokenServer : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, bool> _valid = new();
        private readonly ConcurrentQueue<string> _hookAuthorizations = new();
        private readonly WireMockServer _server;
        private int _issued;

        private TokenServer(WireMockServer server, int port)
        {
            _server = server;
            BaseUrl = new Uri($"http://127.0.0.1:{port}/");
        }

        public Uri BaseUrl { get; }

        public int TokenRequests => Volatile.Read(ref _issued);

        public string[] HookAuthorizations => _hookAuthorizations.ToArray();

        public string? LastTokenRequestBody => LastTokenRequest?.Body;

        public string? LastTokenRequestAuthorization => LastTokenRequest is { } r ? Header(r, "Authorization") : null;

        private IRequestMessage? LastTokenRequest => _server.LogEntries.Select(e => e.RequestMessage).LastOrDefault(r => r.Path == "/token");

        public static Task<TokenServer> StartAsync(int expiresIn, TimeSpan? tokenDelay = null, int tokenStatus = 200, bool refuseAll = false)
        {
            int port;
            using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
            {
                probe.Start();
                port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
                probe.Stop();
            }

            var server = new TokenServer(WireMockServer.Start(new WireMockServerSettings { Urls = [$"http://127.0.0.1:{port}"] }), port);
            var token = server._server.Given(Request.Create().WithPath("/token").UsingPost());
            if (tokenStatus != 200)
            {
                token.RespondWith(Response.Create().WithStatusCode(tokenStatus).WithHeader("Content-Type", "application/json").WithBody("{\"error\":\"server_error\"}"));
            }
            else
            {
                var response = Response.Create();
                if (tokenDelay is { } delay)
                {
                    response = response.WithDelay(delay);
                }

                token.RespondWith(response.WithCallback(_ =>
                {
                    var issued = "tok-" + Interlocked.Increment(ref server._issued);
                    server._valid[issued] = true;
                    return Json(200, $"{{\"access_token\":\"{issued}\",\"token_type\":\"Bearer\",\"expires_in\":{expiresIn}}}");
                }));
            }

            server._server.Given(Request.Create().WithPath("/hook")).RespondWith(Response.Create().WithCallback(request =>
            {
                var authorization = Header(request, "Authorization") ?? string.Empty;
                server._hookAuthorizations.Enqueue(authorization);
                var ok = !refuseAll && authorization.StartsWith("Bearer ", StringComparison.Ordinal) && server._valid.TryGetValue(authorization[7..], out var valid) && valid;
                return Json(ok ? 200 : 401, ok ? "{\"ok\":true}" : "{\"error\":\"invalid_token\"}");
            }));
            return Task.FromResult(server);
        }

        public void Revoke(string token) => _valid[token] = false;

        public WebhookDestinationDefinition Destination() => new()
        {
            Name = "oauth2",
            Url = new Uri(BaseUrl, "hook").ToString(),
            Auth = new OAuth2ClientCredentialsWebhookAuth
            {
                TokenEndpoint = new Uri(BaseUrl, "token").ToString(),
                ClientId = ClientId,
                ClientSecret = ClientSecret,
                Scope = "events.write",
                Audience = "https://api.example",
            },
        };

        public ValueTask DisposeAsync()
        {
            _server.Stop();
            _server.Dispose();
            return ValueTask.CompletedTask;
        }

        private static string? Header(IRequestMessage request, string name)
            => request.Headers is { } headers && headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value is { Count: > 0 } values ? values[0] : null;

        private static ResponseMessage Json(int status, string body) => new()
        {
            StatusCode = status,
            Headers = new Dictionary<string, WireMockList<string>> { ["Content-Type"] = new("application/json") },
            BodyData = new BodyData { BodyAsString = body, DetectedBodyType = BodyType.String, Encoding = Encoding.UTF8 },
        };
    }
}

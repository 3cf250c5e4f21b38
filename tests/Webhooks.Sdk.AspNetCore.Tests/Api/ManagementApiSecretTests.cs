using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Testing;

namespace Webhooks.Sdk.AspNetCore.Tests.Api;

/// <summary>Secrets are write-only: no response body or header carries one, on any route, in success or error.</summary>
public class ManagementApiSecretTests
{
    private const string HmacSecret = "whsec_c2VjcmV0LWhtYWMtc2VjcmV0LWhtYWMtc2VjcmV0LWhtYWM=";
    private const string BearerToken = "bearer-token-s3cr3t-0001";
    private const string BasicPassword = "basic-password-s3cr3t-0002";
    private const string HeaderValue = "header-value-s3cr3t-0003";
    private const string SharedSecret = "shared-secret-s3cr3t-0004";
    private const string ClientSecret = "client-secret-s3cr3t-0005";
    private const string RoutingKey = "routing-key-s3cr3t-0006";
    private const string NewBearerToken = "bearer-token-s3cr3t-0007";

    private static readonly string[] Secrets = [HmacSecret, BearerToken, BasicPassword, HeaderValue, SharedSecret, ClientSecret, RoutingKey, NewBearerToken];

    [Test]
    public async Task EveryRoute_WithSecretsSaved_NoResponseCarriesASecret()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await ApiTestHost.StartAsync();
        var auths = new Dictionary<string, object>
        {
            ["hmac"] = new { kind = "hmac", secret = HmacSecret },
            ["bearer"] = new { kind = "bearer", token = BearerToken },
            ["basic"] = new { kind = "basic", username = "svc", password = BasicPassword },
            ["headers"] = new { kind = "static-headers", headers = new Dictionary<string, string> { ["X-Api-Key"] = HeaderValue } },
            ["shared"] = new { kind = "shared-secret-header", headerName = "X-Secret", secret = SharedSecret },
            ["oauth"] = new { kind = "oauth2-client-credentials", tokenEndpoint = "https://login.example.com/token", clientId = "app", clientSecret = ClientSecret },
        };
        foreach (var (id, auth) in auths)
        {
            await host.Admin.CreateAsync(ApiTestHost.Destination(receiver.Url(), id: id, auth: auth));
        }

        var pagerDuty = ApiTestHost.Destination(receiver.Url(), id: "pd");
        pagerDuty["format"] = "pagerduty";
        pagerDuty["formatSettings"] = new JsonObject { ["routingKey"] = RoutingKey };
        await host.Admin.CreateAsync(pagerDuty);

        // Reads of every kind, by both roles.
        foreach (var client in new[] { host.Admin, host.Viewer })
        {
            using (await client.GetAsync("destinations")) { }
            foreach (var id in auths.Keys.Append("pd"))
            {
                using (await client.GetAsync($"destinations/{id}")) { }
                using (await client.GetAsync($"destinations/{id}/deliveries")) { }
                using (await client.GetAsync($"destinations/{id}/stats")) { }
            }
        }

        // Writes that echo the destination, and a test of each (the receiver sees the secrets; the API's answers must not).
        foreach (var id in auths.Keys.Where(k => k != "oauth").Append("pd"))
        {
            using var test = await host.Admin.PostAsync($"destinations/{id}/test", null);
            var deliveryId = (await test.ReadJsonAsync())["deliveryId"]!.GetValue<string>();
            using (await host.Admin.GetAsync($"deliveries/{deliveryId}")) { }
            using (await host.Admin.PatchJsonAsync($"destinations/{id}", new { name = "patched " + id })) { }
            using (await host.Admin.PostAsync($"destinations/{id}/disable", null)) { }
            using (await host.Admin.PostAsync($"destinations/{id}/enable", null)) { }
        }

        using (await host.Admin.PutJsonAsync("destinations/bearer", new { name = "put", url = receiver.Url().ToString(), auth = new { kind = "bearer", token = NewBearerToken } })) { }
        using (await host.Admin.PostJsonAsync("destinations/test", new { name = "draft", url = receiver.Url().ToString(), auth = new { kind = "bearer", token = BearerToken } })) { }
        using (await host.Admin.PostJsonAsync("events", new { type = "order.created" })) { }

        // Errors that carry a secret in the request.
        using (await host.Admin.PostJsonAsync("destinations", new { name = string.Empty, url = receiver.Url().ToString(), auth = new { kind = "bearer", token = BearerToken + "\r\nX: y" } })) { }
        using (await host.Admin.PostJsonAsync("destinations", new { name = "x", url = "https://10.0.0.1/", auth = new { kind = "basic", username = "a:b", password = BasicPassword } })) { }
        using (await host.Admin.PostJsonAsync("destinations", new { name = "x", url = receiver.Url().ToString(), auth = new { kind = "bearer", token = BearerToken, extra = SharedSecret } })) { }
        using (await host.Admin.PostAsync("destinations", new StringContent("{\"auth\":{\"token\":\"" + BearerToken + "\"", System.Text.Encoding.UTF8, "application/json"))) { }
        using (await host.Admin.PatchJsonAsync("destinations/pd", new { formatSettings = new { routingKey = 12 } })) { }
        using (await host.Viewer.PatchJsonAsync("destinations/bearer", new { auth = new { kind = "bearer", token = BearerToken } })) { }

        // The one answer that shows a secret: the rotation, once.
        using var rotate = await host.Admin.PostAsync("destinations/hmac/secret/rotate", null);
        rotate.StatusCode.Should().Be(HttpStatusCode.OK);
        var rotated = (await rotate.ReadJsonAsync())["newSecret"]!.GetValue<string>();
        var bodies = host.ResponseBodies.Select(Unescape).ToList();
        bodies.Count(b => b.Contains(rotated, StringComparison.Ordinal)).Should().Be(1);
        using (await host.Admin.GetAsync("destinations/hmac")) { }
        using (await host.Admin.GetAsync("destinations")) { }

        receiver.Requests.Should().Contain(r => r.Header("Authorization") == "Bearer " + BearerToken, "the secrets were really in use");
        // JSON escapes \u002B for '+' and \u003D for '=': scan the text as a reader of the JSON would see it.
        var all = host.ResponseBodies.Select(Unescape).ToList();
        all.Should().HaveCountGreaterThan(80);
        foreach (var secret in Secrets)
        {
            all.Where(b => b.Contains(secret, StringComparison.Ordinal)).Should().BeEmpty($"no response may carry the secret {secret[..12]}…");
        }

        all.Count(b => b.Contains(rotated, StringComparison.Ordinal)).Should().Be(1, "the rotated secret is shown once, in the rotation's answer");
        using var hints = await host.Admin.GetAsync("destinations/bearer");
        (await hints.ReadJsonAsync())["auth"]!["secretHints"]!["Token"]!.GetValue<string>().Should().StartWith("set");
    }

    private static string Unescape(string body)
        => Regex.Replace(body, @"\\u([0-9A-Fa-f]{4})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 16)).ToString());
}

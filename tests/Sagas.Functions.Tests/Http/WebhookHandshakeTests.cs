using System.Net;
using Sagas.Functions.Tests.Harness;

namespace Sagas.Functions.Tests.Http;

/// <summary>The CloudEvents "HTTP 1.1 Web Hooks for Event Delivery" validation handshake (section 4.2), as Azure Event Grid sends it.</summary>
public class WebhookHandshakeTests
{
    [Fact]
    public async Task Handshake_grants_every_origin_and_rate_by_default()
    {
        await using var app = await FunctionApp.StartAsync();

        using var response = await app.Client.SendAsync(Handshake("eventemitter.example.com", rate: "120"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("*", Single(response, "WebHook-Allowed-Origin"));
        Assert.Equal("*", Single(response, "WebHook-Allowed-Rate"));
        Assert.Contains("POST", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task Handshake_echoes_a_configured_origin_and_grants_the_configured_rate()
    {
        await using var app = await FunctionApp.StartAsync(http =>
        {
            http.AllowedOrigins = ["eventgrid.azure.net", "eventemitter.example.com"];
            http.AllowedRate = 100;
        });

        using var response = await app.Client.SendAsync(Handshake("EventEmitter.example.com"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("EventEmitter.example.com", Single(response, "WebHook-Allowed-Origin"));
        Assert.Equal("100", Single(response, "WebHook-Allowed-Rate"));
    }

    [Fact]
    public async Task Handshake_from_an_origin_not_allowed_withholds_consent()
    {
        await using var app = await FunctionApp.StartAsync(http => http.AllowedOrigins = ["eventgrid.azure.net"]);

        using var response = await app.Client.SendAsync(Handshake("attacker.example.com"));

        var (_, errors) = await Replies.ReadProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Contains("attacker.example.com", Assert.Single(errors), StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("WebHook-Allowed-Origin"));
        Assert.False(response.Headers.Contains("WebHook-Allowed-Rate"));
    }

    [Fact]
    public async Task Options_without_the_handshake_header_only_lists_the_methods()
    {
        await using var app = await FunctionApp.StartAsync();

        using var response = await app.Client.SendAsync(new HttpRequestMessage(HttpMethod.Options, FunctionApp.Path));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(["POST", "OPTIONS"], response.Content.Headers.Allow);
        Assert.False(response.Headers.Contains("WebHook-Allowed-Origin"));
    }

    [Fact]
    public async Task Handshake_needs_no_signature()
    {
        await using var app = await FunctionApp.StartAsync(http => http.SignatureSecret = "a-shared-secret-of-enough-length");

        using var response = await app.Client.SendAsync(Handshake("eventgrid.azure.net"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static HttpRequestMessage Handshake(string origin, string? rate = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, FunctionApp.Path);
        request.Headers.Add("WebHook-Request-Origin", origin);
        if (rate is not null)
        {
            request.Headers.Add("WebHook-Request-Rate", rate);
        }

        return request;
    }

    private static string Single(HttpResponseMessage response, string header)
        => Assert.Single(response.Headers.GetValues(header));
}

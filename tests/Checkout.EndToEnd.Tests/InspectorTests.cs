using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Checkout.EndToEnd.Tests.Harness;
using Checkout.Simulation;

namespace Checkout.EndToEnd.Tests;

/// <summary>The checkout API hosts the saga inspector over the sagas the worker runs on PostgreSQL.</summary>
public sealed partial class InspectorTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task An_operator_signs_in_finds_the_faulted_order_and_resumes_it_and_the_saga_records_who_and_why()
    {
        await using var topology = await CheckoutTopology.StartAsync("inspector_operator");
        var faulting = OrderScenarios.Create(Scenario.CrmDown, 1);
        var happy = OrderScenarios.Create(Scenario.Happy, 2);
        var faultingAt = await topology.SubmitAsync(faulting);
        await topology.WaitTerminalAsync(await topology.SubmitAsync(happy), Patience);
        Assert.Equal("Faulted", (await topology.WaitTerminalAsync(faultingAt, Patience)).GetProperty("state").GetString());

        using var noRedirects = new HttpClientHandler { AllowAutoRedirect = false };
        using var anonymous = new HttpClient(noRedirects) { BaseAddress = topology.Api.Address };
        using (var refused = await anonymous.GetAsync(new Uri("/sagas/api/types", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using (var page = await anonymous.GetAsync(new Uri("/sagas/", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode); // the page sends a person to the sign-in form
            Assert.StartsWith("/login", page.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        }

        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var operatorClient = new HttpClient(handler) { BaseAddress = topology.Api.Address };
        await SignInAsync(operatorClient, CheckoutTopology.InspectorOperatorKey);

        var faulted = await operatorClient.GetFromJsonAsync<JsonElement>(new Uri("/sagas/api/types/CheckoutState/sagas?state=Faulted", UriKind.Relative));
        var listed = Assert.Single(faulted.GetProperty("items").EnumerateArray());
        Assert.Equal(faulting.OrderId, listed.GetProperty("id").GetGuid());
        Assert.Equal("UpdateCrm", listed.GetProperty("currentStep").GetString());

        using var accepted = await ActAsync(operatorClient, $"/sagas/api/types/CheckoutState/sagas/{faulting.OrderId}/resume", "CRM contract renewed", "e2e-resume-1");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        // The CRM is still down for this customer: the saga runs the step again and faults again, with the resume in its history.
        var deadline = DateTime.UtcNow + Patience;
        JsonElement history;
        do
        {
            await Task.Delay(200);
            var detail = await operatorClient.GetFromJsonAsync<JsonElement>(new Uri($"/sagas/api/types/CheckoutState/sagas/{faulting.OrderId}", UriKind.Relative));
            history = detail.GetProperty("saga").GetProperty("history");
        }
        while (!history.EnumerateArray().Any(h => h.GetProperty("kind").GetString() == "resumed") && DateTime.UtcNow < deadline);

        var resumed = history.EnumerateArray().Single(h => h.GetProperty("kind").GetString() == "resumed");
        Assert.Equal("operator: CRM contract renewed", resumed.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_reader_sees_the_sagas_but_may_not_act_and_a_wrong_key_signs_nobody_in()
    {
        await using var topology = await CheckoutTopology.StartAsync("inspector_reader");
        var order = OrderScenarios.Create(Scenario.Happy, 1);
        await topology.WaitTerminalAsync(await topology.SubmitAsync(order), Patience);

        using var wrongHandler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var wrong = new HttpClient(wrongHandler) { BaseAddress = topology.Api.Address };
        Assert.Equal(HttpStatusCode.Unauthorized, await SignInAsync(wrong, "not-a-key", expectSuccess: false));

        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var reader = new HttpClient(handler) { BaseAddress = topology.Api.Address };
        await SignInAsync(reader, CheckoutTopology.InspectorReaderKey);
        var types = await reader.GetFromJsonAsync<JsonElement>(new Uri("/sagas/api/types", UriKind.Relative));
        Assert.Equal(1, types.GetProperty("types")[0].GetProperty("counts").GetProperty("Completed").GetInt64());

        using var forbidden = await ActAsync(reader, $"/sagas/api/types/CheckoutState/sagas/{order.OrderId}/compensate", "not mine to do", "e2e-compensate-1");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }

    /// <summary>Posts an inspector action as the page does: with the anti-forgery token, a note and an idempotency key.</summary>
    private static async Task<HttpResponseMessage> ActAsync(HttpClient client, string path, string note, string key)
    {
        var antiforgery = await client.GetFromJsonAsync<JsonElement>(new Uri("/sagas/api/antiforgery", UriKind.Relative));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(new { note }) };
        request.Headers.Add(antiforgery.GetProperty("headerName").GetString()!, antiforgery.GetProperty("token").GetString());
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    private static async Task<HttpStatusCode> SignInAsync(HttpClient client, string key, bool expectSuccess = true)
    {
        var form = await client.GetStringAsync(new Uri("/login", UriKind.Relative));
        var token = TokenField().Match(form);
        Assert.True(token.Success, form);
        using var posted = await client.PostAsync(new Uri("/login", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [token.Groups["name"].Value] = token.Groups["value"].Value,
            ["key"] = key,
        }));
        if (expectSuccess)
        {
            Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
            Assert.Equal("/sagas/", posted.Headers.Location?.ToString());
        }

        return posted.StatusCode;
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>[^\"]+)\" value=\"(?<value>[^\"]+)\">")]
    private static partial Regex TokenField();
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sagas.Inspector.Tests.Harness;
using Sagas.Steps;

namespace Sagas.Inspector.Tests.Endpoints;

public sealed class When_a_caller_without_the_policies_calls_the_inspector
{
    [Theory]
    [InlineData("/sagas/")]
    [InlineData("/sagas/inspector.js")]
    [InlineData("/sagas/api/types")]
    [InlineData("/sagas/api/types/CheckoutState/sagas")]
    public async Task An_anonymous_read_is_refused(string path)
    {
        await using var host = await InspectorHost.StartAsync();

        using var response = await host.Client(null).GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_reader_may_not_act()
    {
        await using var host = await InspectorHost.StartAsync();
        var id = await host.SeedAsync(1, "Faulted", "UpdateCrm", "CRM down");
        using var reader = host.Client("rita");
        var (header, token) = await InspectorHost.AntiforgeryAsync(reader);
        using var request = Action($"/sagas/api/types/CheckoutState/sagas/{id}/resume", "retry", header, token, "k-1");

        using var response = await reader.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(host.Published.ByKey);
    }

    [Fact]
    public async Task The_options_name_each_missing_policy_and_the_missing_sagas_at_start()
    {
        var failed = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var host = await InspectorHost.StartAsync(o => { o.ReadPolicy = null; o.ActionPolicy = " "; });
        });

        Assert.Contains("ReadPolicy is required", failed.Message, StringComparison.Ordinal);
        Assert.Contains("ActionPolicy is required", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_negative_metrics_interval_is_refused_at_start_naming_it()
    {
        var failed = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var host = await InspectorHost.StartAsync(o => o.MetricsInterval = TimeSpan.FromSeconds(-1));
        });

        Assert.Contains("MetricsInterval must be zero (no metrics) or positive, not -00:00:01", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_negative_maximum_age_of_the_counts_is_refused_at_start_naming_it()
    {
        var failed = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var host = await InspectorHost.StartAsync(o => o.CountsMaxAge = TimeSpan.FromSeconds(-2));
        });

        Assert.Contains("CountsMaxAge must be zero (read for every request) or positive, not -00:00:02", failed.Message, StringComparison.Ordinal);
    }

    internal static HttpRequestMessage Action(string path, string? note, string header, string token, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(new { note }) };
        request.Headers.Add(header, token);
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return request;
    }
}

public sealed class When_a_reader_looks_at_the_sagas
{
    [Fact]
    public async Task The_types_show_counts_per_state_and_the_oldest_running_saga()
    {
        await using var host = await InspectorHost.StartAsync();
        await host.SeedAsync(1, "Faulted", "UpdateCrm", "CRM down");
        var running = await host.SeedAsync(2, "Executing", "UpdateCrm");
        await host.SeedAsync(3, "Executing", "ChargePayment");

        var types = await host.Client("rita").GetFromJsonAsync<JsonElement>(new Uri("/sagas/api/types", UriKind.Relative));

        var checkout = types.GetProperty("types").EnumerateArray().Single();
        Assert.Equal("CheckoutState", checkout.GetProperty("type").GetString());
        Assert.Equal(1, checkout.GetProperty("counts").GetProperty("Faulted").GetInt64());
        Assert.Equal(2, checkout.GetProperty("counts").GetProperty("Executing").GetInt64());
        Assert.Equal(running, checkout.GetProperty("oldestRunning").GetProperty("id").GetGuid());
    }

    [Theory]
    [InlineData("state=Faulted", new[] { 1 })]
    [InlineData("step=UpdateCrm", new[] { 1, 2 })]
    [InlineData("state=Executing&step=UpdateCrm", new[] { 2 })]
    [InlineData("startedBefore=2026-05-01T08:02:30%2B00:00", new[] { 1, 2 })]
    [InlineData("after=01900000-0000-7000-8000-000000000001&limit=1", new[] { 2 })]
    public async Task Each_filter_narrows_the_list(string query, int[] expected)
    {
        await using var host = await InspectorHost.StartAsync();
        await host.SeedAsync(1, "Faulted", "UpdateCrm", "CRM down");
        await host.SeedAsync(2, "Executing", "UpdateCrm");
        await host.SeedAsync(3, "Executing", "ChargePayment");

        var page = await host.Client("rita").GetFromJsonAsync<JsonElement>(new Uri($"/sagas/api/types/CheckoutState/sagas?{query}", UriKind.Relative));

        Assert.Equal(
            expected.Select(n => Guid.Parse($"01900000-0000-7000-8000-{n:D12}")),
            page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task A_saga_shows_its_steps_history_and_diagram()
    {
        await using var host = await InspectorHost.StartAsync();
        var id = await host.SeedAsync(1, "Faulted", "UpdateCrm", "CRM down");

        var detail = await host.Client("rita").GetFromJsonAsync<JsonElement>(new Uri($"/sagas/api/types/CheckoutState/sagas/{id}", UriKind.Relative));

        var saga = detail.GetProperty("saga");
        Assert.Equal("Faulted", saga.GetProperty("summary").GetProperty("state").GetString());
        var crm = saga.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "UpdateCrm");
        Assert.Equal(("Retriable", "Failed", 3, "CRM down"), (crm.GetProperty("kind").GetString(), crm.GetProperty("status").GetString(), crm.GetProperty("attempt").GetInt32(), crm.GetProperty("lastError").GetString()));
        Assert.Equal("started", saga.GetProperty("history")[0].GetProperty("kind").GetString());
        Assert.StartsWith("stateDiagram-v2", detail.GetProperty("diagram").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/sagas/api/types/NoSuchState/sagas", HttpStatusCode.NotFound, "it shows CheckoutState")]
    [InlineData("/sagas/api/types/CheckoutState/sagas/01900000-0000-7000-8000-000000000099", HttpStatusCode.NotFound, "No CheckoutState saga has the id")]
    [InlineData("/sagas/api/types/CheckoutState/sagas?limit=0", HttpStatusCode.BadRequest, "Limit must be between 1 and 500, not 0")]
    public async Task A_wrong_request_is_answered_with_a_problem_naming_what_is_wrong(string path, HttpStatusCode status, string says)
    {
        await using var host = await InspectorHost.StartAsync();

        using var response = await host.Client("rita").GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(status, response.StatusCode);
        Assert.Contains(says, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_page_is_served_with_a_content_security_policy_and_no_inline_script()
    {
        await using var host = await InspectorHost.StartAsync();

        using var response = await host.Client("rita").GetAsync(new Uri("/sagas/", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("<script src=\"inspector.js\" defer></script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("onclick=", html, StringComparison.Ordinal);
    }
}

public sealed class When_an_operator_acts_on_a_saga
{
    [Theory]
    [InlineData("resume", typeof(ResumeSaga))]
    [InlineData("compensate", typeof(CompensateSaga))]
    [InlineData("steps/UpdateCrm/retry", typeof(RetryStepNow))]
    public async Task The_action_is_published_through_the_outbox_once_per_key_with_who_and_why(string action, Type message)
    {
        await using var host = await InspectorHost.StartAsync();
        var id = await host.SeedAsync(1, "Faulted", "UpdateCrm", "CRM down");
        using var operatorClient = host.Client("olga;operator");
        var (header, token) = await InspectorHost.AntiforgeryAsync(operatorClient);

        using var first = await operatorClient.SendAsync(When_a_caller_without_the_policies_calls_the_inspector.Action($"/sagas/api/types/CheckoutState/sagas/{id}/{action}", "CRM is back", header, token, "click-1"));
        using var again = await operatorClient.SendAsync(When_a_caller_without_the_policies_calls_the_inspector.Action($"/sagas/api/types/CheckoutState/sagas/{id}/{action}", "CRM is back", header, token, "click-1"));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.False((await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("duplicate").GetBoolean());
        Assert.True((await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("duplicate").GetBoolean());
        var (key, published) = Assert.Single(host.Published.ByKey);
        Assert.Equal($"inspector:{id}:click-1", key);
        Assert.IsType(message, published);
        object expected = published switch
        {
            ResumeSaga => new ResumeSaga(id, "olga: CRM is back"),
            CompensateSaga => new CompensateSaga(id, "olga: CRM is back"),
            _ => new RetryStepNow(id, "UpdateCrm", "olga: CRM is back"),
        };
        Assert.Equal(expected, published);
    }

    [Fact]
    public async Task An_action_without_an_anti_forgery_token_is_refused()
    {
        await using var host = await InspectorHost.StartAsync();
        var id = await host.SeedAsync(1, "Faulted", "UpdateCrm", "CRM down");
        using var operatorClient = host.Client("olga;operator");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/sagas/api/types/CheckoutState/sagas/{id}/resume", UriKind.Relative)) { Content = JsonContent.Create(new { note = "x" }) };
        request.Headers.Add("Idempotency-Key", "k");

        using var response = await operatorClient.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Anti-forgery token missing or invalid", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(host.Published.ByKey);
    }

    [Theory]
    [InlineData(null, "k", "A note is required")]
    [InlineData("  ", "k", "A note is required")]
    [InlineData("fixed", null, "The Idempotency-Key header is required")]
    public async Task An_action_without_a_note_or_a_key_is_refused_naming_it(string? note, string? key, string says)
    {
        await using var host = await InspectorHost.StartAsync();
        var id = await host.SeedAsync(1, "Faulted", "UpdateCrm", "CRM down");
        using var operatorClient = host.Client("olga;operator");
        var (header, token) = await InspectorHost.AntiforgeryAsync(operatorClient);

        using var response = await operatorClient.SendAsync(When_a_caller_without_the_policies_calls_the_inspector.Action($"/sagas/api/types/CheckoutState/sagas/{id}/resume", note, header, token, key));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(says, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(host.Published.ByKey);
    }

    [Fact]
    public async Task An_action_on_a_saga_that_does_not_exist_is_not_found_and_publishes_nothing()
    {
        await using var host = await InspectorHost.StartAsync();
        using var operatorClient = host.Client("olga;operator");
        var (header, token) = await InspectorHost.AntiforgeryAsync(operatorClient);

        using var response = await operatorClient.SendAsync(When_a_caller_without_the_policies_calls_the_inspector.Action("/sagas/api/types/CheckoutState/sagas/01900000-0000-7000-8000-000000000042/compensate", "why", header, token, "k"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(host.Published.ByKey);
    }
}

public sealed class When_a_saga_ran_in_a_trace
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

    [Fact]
    public async Task Its_detail_links_the_trace_through_the_configured_template()
    {
        await using var host = await InspectorHost.StartAsync(o => o.TraceUrlTemplate = "http://jaeger.example:16686/trace/{traceId}");
        var id = await host.SeedAsync(1, "Faulted", "UpdateCrm", "CRM down", TraceId);

        var detail = await host.Client("rita").GetFromJsonAsync<JsonElement>(new Uri($"/sagas/api/types/CheckoutState/sagas/{id}", UriKind.Relative));

        Assert.Equal(TraceId, detail.GetProperty("saga").GetProperty("traceId").GetString());
        Assert.Equal($"http://jaeger.example:16686/trace/{TraceId}", detail.GetProperty("traceUrl").GetString());
    }

    [Fact]
    public async Task Without_a_template_or_a_trace_there_is_no_link()
    {
        await using var host = await InspectorHost.StartAsync();
        var traced = await host.SeedAsync(1, "Faulted", "UpdateCrm", "CRM down", TraceId);
        await using var templated = await InspectorHost.StartAsync(o => o.TraceUrlTemplate = "https://tempo.example/trace/{traceId}");
        var untraced = await templated.SeedAsync(2, "Faulted", "UpdateCrm", "CRM down");

        var noTemplate = await host.Client("rita").GetFromJsonAsync<JsonElement>(new Uri($"/sagas/api/types/CheckoutState/sagas/{traced}", UriKind.Relative));
        var noTrace = await templated.Client("rita").GetFromJsonAsync<JsonElement>(new Uri($"/sagas/api/types/CheckoutState/sagas/{untraced}", UriKind.Relative));

        Assert.Equal(JsonValueKind.Null, noTemplate.GetProperty("traceUrl").ValueKind);
        Assert.Equal(TraceId, noTemplate.GetProperty("saga").GetProperty("traceId").GetString());
        Assert.Equal(JsonValueKind.Null, noTrace.GetProperty("traceUrl").ValueKind);
    }

    [Theory]
    [InlineData("http://jaeger.example/trace/")]
    [InlineData("/trace/{traceId}")]
    [InlineData("javascript:alert({traceId})")]
    public async Task A_template_that_is_not_an_http_url_with_the_placeholder_is_refused_at_start(string template)
    {
        var failed = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var host = await InspectorHost.StartAsync(o => o.TraceUrlTemplate = template);
        });

        Assert.Contains("TraceUrlTemplate must be an absolute http(s) URL with {traceId}", failed.Message, StringComparison.Ordinal);
    }
}

using System.Net;
using System.Text;

namespace Checkout.Tests.Steps;

public sealed class When_the_function_host_app_runs() : FunctionHostSpecs(native: false);

// The same app published with Native AOT: every contract, reply and problem is read and written by generated metadata,
// and every handler is kept by the trimmer, or these fail.
public sealed class When_the_function_host_app_runs_published_with_native_aot() : FunctionHostSpecs(native: true);

public abstract class FunctionHostSpecs(bool native) : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private readonly HttpClient _http = new();
    private FunctionHostProcess _host = null!;

    public async Task InitializeAsync() => _host = await FunctionHostProcess.StartAsync(
        new Dictionary<string, string>
        {
            ["Checkout__OutputDirectory"] = Path.Combine(_folder.Path, "invoices"),
            ["Checkout__PickupDirectory"] = Path.Combine(_folder.Path, "mail"),
        },
        native);

    [Fact]
    public async Task It_is_live_and_ready()
    {
        using var live = await _http.GetAsync(new Uri(_host.Address, "health/live"));
        using var ready = await _http.GetAsync(new Uri(_host.Address, "health/ready"));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_generate_invoice_event_at_steps_is_answered_with_step_completed_and_writes_the_pdf()
    {
        var orderId = Guid.CreateVersion7();
        var body = $$"""{"orderId":"{{orderId}}","customerId":"c-1","lines":[{"sku":"SKU-BOOK","quantity":2,"unitPrice":12.5}],"total":25.0}""";

        using var response = await _http.SendAsync(Command(orderId, "generate-invoice", "GenerateInvoice", body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("dev.sagas.step.completed.v1", response.Headers.GetValues("ce-type").Single());
        Assert.Contains($"INV-{orderId.ToString("N").ToUpperInvariant()}", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_folder.Path, "invoices", $"INV-{orderId.ToString("N").ToUpperInvariant()}.pdf")));
    }

    [Fact]
    public async Task Without_a_crm_url_update_crm_goes_to_its_own_sandbox_crm()
    {
        var orderId = Guid.CreateVersion7();

        using var happy = await _http.SendAsync(Command(orderId, "update-crm", "UpdateCrm", $$"""{"orderId":"{{orderId}}","customerId":"customer-1","total":25.0}"""));
        var down = Guid.CreateVersion7();
        using var failing = await _http.SendAsync(Command(down, "update-crm", "UpdateCrm", $$"""{"orderId":"{{down}}","customerId":"crm-down-1","total":25.0}"""));

        Assert.Equal("dev.sagas.step.completed.v1", happy.Headers.GetValues("ce-type").Single());
        Assert.Equal("dev.sagas.step.failed.v1", failing.Headers.GetValues("ce-type").Single());
        Assert.Contains("CRM answered 503", await failing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_send_confirmation_event_writes_the_message_to_the_pickup_folder()
    {
        var orderId = Guid.CreateVersion7();

        using var response = await _http.SendAsync(Command(orderId, "send-confirmation", "SendConfirmation", $$"""{"orderId":"{{orderId}}","customerEmail":"ada@example.com","confirmationNumber":"CONF-1"}"""));

        Assert.Equal("dev.sagas.step.completed.v1", response.Headers.GetValues("ce-type").Single());
        Assert.Single(Directory.GetFiles(Path.Combine(_folder.Path, "mail"), $"{orderId:N}-*.eml"));
    }

    [Fact]
    public async Task A_command_missing_a_member_is_refused_with_a_problem_naming_it()
    {
        var orderId = Guid.CreateVersion7();

        using var response = await _http.SendAsync(Command(orderId, "update-crm", "UpdateCrm", $$"""{"orderId":"{{orderId}}","customerId":"customer-1"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("'total'", Assert.Single(problem.RootElement.GetProperty("errors").EnumerateArray()).GetString(), StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _http.Dispose();
        _folder.Dispose();
    }

    private HttpRequestMessage Command(Guid sagaId, string type, string step, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_host.Address, "steps")) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("ce-specversion", "1.0");
        request.Headers.Add("ce-id", Guid.NewGuid().ToString());
        request.Headers.Add("ce-source", "/tests/checkout");
        request.Headers.Add("ce-type", $"com.example.checkout.{type}.v1");
        request.Headers.Add("ce-subject", sagaId.ToString());
        request.Headers.Add("ce-sagastep", step);
        request.Headers.Add("ce-sagaattempt", "1");
        return request;
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Checkout.Contracts;
using Checkout.Saga;
using Checkout.Simulation;
using Microsoft.Extensions.DependencyInjection;
using Sagas.CloudEvents;
using Sagas.DeadLetters;
using Sagas.Inspector.Tests.Harness;
using Sagas.Persistence;
using static Sagas.Inspector.Tests.Endpoints.When_a_caller_without_the_policies_calls_the_inspector;

namespace Sagas.Inspector.Tests.Endpoints;

public sealed class When_an_operator_works_through_the_dead_letters
{
    [Fact]
    public async Task The_open_ones_are_listed_oldest_first_with_reasons_and_body_and_all_of_them_on_request()
    {
        await using var host = await InspectorHost.StartAsync();
        var (first, second) = (await SeedAsync(host, 1), await SeedAsync(host, 2));
        await host.Services.GetRequiredService<IDeadLetterStore>().ResolveAsync(first.Id, new DeadLetterResolution(DeadLetterAction.Discarded, InspectorHost.T0, "olga: test data"), default);
        using var reader = host.Client("rita");

        var open = await reader.GetFromJsonAsync<JsonElement>(new Uri("/sagas/api/dead-letters", UriKind.Relative));
        var item = Assert.Single(open.GetProperty("items").EnumerateArray());
        Assert.Equal(second.Id, item.GetProperty("id").GetGuid());
        Assert.Equal("checkout-state", item.GetProperty("queue").GetString());
        Assert.Equal(["CustomerEmail: 'Customer Email' is not a valid email address."], item.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(second.Body, item.GetProperty("body").GetString());
        Assert.Equal(JsonValueKind.Null, item.GetProperty("resolution").ValueKind);

        var all = await reader.GetFromJsonAsync<JsonElement>(new Uri("/sagas/api/dead-letters?all=true&limit=1", UriKind.Relative));
        var discarded = Assert.Single(all.GetProperty("items").EnumerateArray());
        Assert.Equal(("Discarded", "olga: test data"), (discarded.GetProperty("resolution").GetProperty("action").GetString(), discarded.GetProperty("resolution").GetProperty("note").GetString()));
        Assert.Equal(first.Id, all.GetProperty("next").GetGuid());
        var one = await reader.GetFromJsonAsync<JsonElement>(new Uri($"/sagas/api/dead-letters/{second.Id}", UriKind.Relative));
        Assert.Equal("bad-2", one.GetProperty("eventId").GetString());
    }

    [Fact]
    public async Task A_redelivery_sends_the_body_as_received_to_its_queue_once_and_records_who_and_why()
    {
        await using var host = await InspectorHost.StartAsync();
        var order = OrderScenarios.Create(Scenario.Happy, 7);
        var deadLetter = await SeedAsync(host, 3, order); // a valid order now: its cause was fixed
        using var operatorClient = host.Client("olga;operator");
        var (header, token) = await InspectorHost.AntiforgeryAsync(operatorClient);

        using var accepted = await operatorClient.SendAsync(Action($"/sagas/api/dead-letters/{deadLetter.Id}/redeliver", "validator fixed in 1.4.2", header, token, key: null));
        using var again = await operatorClient.SendAsync(Action($"/sagas/api/dead-letters/{deadLetter.Id}/redeliver", "once more", header, token, key: null));
        using var discard = await operatorClient.SendAsync(Action($"/sagas/api/dead-letters/{deadLetter.Id}/discard", "never mind", header, token, key: null));

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("was redelivered at", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, discard.StatusCode);
        var store = host.Services.GetRequiredService<ISagaStore<CheckoutState>>();
        for (var i = 0; i < 100 && (await store.LoadAsync(order.OrderId, default))?.State.CurrentState != "Completed"; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal("Completed", (await store.LoadAsync(order.OrderId, default))?.State.CurrentState); // the order ran, once
        var resolution = (await host.Services.GetRequiredService<IDeadLetterStore>().FindAsync(deadLetter.Id, default))!.Resolution!;
        Assert.Equal((DeadLetterAction.Redelivered, "olga: validator fixed in 1.4.2"), (resolution.Action, resolution.Note));
    }

    [Fact]
    public async Task A_discard_sends_nothing_and_takes_it_off_the_open_list()
    {
        await using var host = await InspectorHost.StartAsync();
        var order = OrderScenarios.Create(Scenario.Happy, 8);
        var deadLetter = await SeedAsync(host, 4, order);
        using var operatorClient = host.Client("olga;operator");
        var (header, token) = await InspectorHost.AntiforgeryAsync(operatorClient);

        using var accepted = await operatorClient.SendAsync(Action($"/sagas/api/dead-letters/{deadLetter.Id}/discard", "duplicate of order 7", header, token, key: null));

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var open = await operatorClient.GetFromJsonAsync<JsonElement>(new Uri("/sagas/api/dead-letters", UriKind.Relative));
        Assert.Empty(open.GetProperty("items").EnumerateArray());
        await Task.Delay(300);
        Assert.Null(await host.Services.GetRequiredService<ISagaStore<CheckoutState>>().LoadAsync(order.OrderId, default));
    }

    [Fact]
    public async Task A_reader_may_not_resolve_and_a_wrong_request_is_answered_naming_what_is_wrong()
    {
        await using var host = await InspectorHost.StartAsync();
        var deadLetter = await SeedAsync(host, 5);
        using var reader = host.Client("rita");
        var (readerHeader, readerToken) = await InspectorHost.AntiforgeryAsync(reader);
        using var operatorClient = host.Client("olga;operator");
        var (header, token) = await InspectorHost.AntiforgeryAsync(operatorClient);

        using var anonymous = await host.Client(null).GetAsync(new Uri("/sagas/api/dead-letters", UriKind.Relative));
        using var forbidden = await reader.SendAsync(Action($"/sagas/api/dead-letters/{deadLetter.Id}/discard", "mine now", readerHeader, readerToken, key: null));
        using var noNote = await operatorClient.SendAsync(Action($"/sagas/api/dead-letters/{deadLetter.Id}/discard", " ", header, token, key: null));
        using var noToken = await operatorClient.PostAsync(new Uri($"/sagas/api/dead-letters/{deadLetter.Id}/discard", UriKind.Relative), JsonContent.Create(new { note = "why" }));
        using var unknown = await operatorClient.SendAsync(Action($"/sagas/api/dead-letters/{Guid.CreateVersion7()}/redeliver", "why", header, token, key: null));
        using var badLimit = await reader.GetAsync(new Uri("/sagas/api/dead-letters?limit=501", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noNote.StatusCode);
        Assert.Contains("A note is required", await noNote.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("No dead letter has the id", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        Assert.Contains("Limit must be between 1 and 500, not 501", await badLimit.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null((await host.Services.GetRequiredService<IDeadLetterStore>().FindAsync(deadLetter.Id, default))!.Resolution);
    }

    /// <summary>Records a dead letter as the receive observer would: the order as a structured CloudEvent, rejected for its email.</summary>
    private static async Task<DeadLetter> SeedAsync(InspectorHost host, int number, OrderSubmitted? order = null)
    {
        order ??= OrderScenarios.Create(Scenario.Happy, 100 + number) with { CustomerEmail = "not-an-email" };
        var at = InspectorHost.T0.AddMinutes(number);
        var converter = host.Services.GetRequiredService<CloudEventConverter>();
        var cloudEvent = converter.ToCloudEvent(order, new EventMetadata { Id = $"bad-{number}", Source = new Uri("https://shop.example.com/web"), Subject = order.OrderId.ToString(), CorrelationId = order.OrderId.ToString(), Time = at });
        var body = System.Text.Encoding.UTF8.GetString(converter.EncodeStructured(cloudEvent).Span);
        var deadLetter = new DeadLetter(
            Guid.CreateVersion7(at), at, "checkout-state", $"bad-{number}", "com.example.checkout.order-submitted.v1", "https://shop.example.com/web",
            ["CustomerEmail: 'Customer Email' is not a valid email address."], CloudEventConverter.StructuredContentType, body);
        await host.Services.GetRequiredService<IDeadLetterStore>().AddAsync(deadLetter, default);
        return deadLetter;
    }
}

using System.Text.Json;
using Checkout.Contracts;
using Checkout.Saga;
using Sagas.Contracts;
using Sagas.Outbox;
using Sagas.Persistence;
using Sagas.Steps;

namespace Checkout.Api.Orders;

/// <summary>An order as a client submits it; <see cref="OrderId"/> is optional (and makes a retried POST idempotent).</summary>
public sealed record OrderRequest(Guid? OrderId, string? CustomerId, string? CustomerEmail, string? CardToken, IReadOnlyList<OrderLine>? Lines);

/// <summary>An order's checkout as <c>GET /orders/{id}</c> shows it.</summary>
public sealed record OrderStatus(
    Guid OrderId,
    string State,
    string? Reason,
    decimal Total,
    string? ConfirmationNumber,
    string? InvoiceNumber,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    IReadOnlyList<StepProgress> Steps,
    IReadOnlyList<StepHistoryEntry> History);

/// <summary>The order endpoints.</summary>
public static class OrderEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Maps <c>POST /orders</c> and <c>GET /orders/{id}</c>.</summary>
    public static IEndpointRouteBuilder MapOrders(this IEndpointRouteBuilder app)
    {
        app.MapPost("/orders", SubmitAsync);
        app.MapGet("/orders/{id:guid}", GetAsync).WithName("GetOrder");
        return app;
    }

    /// <summary>
    /// Validates the order and commits <see cref="OrderSubmitted"/> to the outbox; 202 with the order's Location. The
    /// same order id again answers 202 with the same Location and publishes nothing new.
    /// </summary>
    internal static async Task<IResult> SubmitAsync(HttpRequest request, IOutboxPublisher publisher, ContractRegistry contracts, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return Results.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported media type",
                detail: $"POST /orders takes application/json, not '{request.ContentType ?? "(none)"}'.");
        }

        OrderRequest? order;
        try
        {
            order = await JsonSerializer.DeserializeAsync<OrderRequest>(request.Body, Json, cancellationToken);
        }
        catch (JsonException ex)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The order is not valid JSON", detail: ex.Message);
        }

        if (order is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The order is not valid JSON", detail: "The body is JSON null.");
        }

        var message = new OrderSubmitted(
            order.OrderId ?? Guid.CreateVersion7(),
            order.CustomerId ?? string.Empty,
            order.CustomerEmail ?? string.Empty,
            order.CardToken ?? string.Empty,
            order.Lines ?? []);
        var validation = contracts.Get(typeof(OrderSubmitted)).Validate(message);
        if (!validation.IsValid)
        {
            return Results.ValidationProblem(
                validation.Errors.GroupBy(e => JsonNamingPolicy.CamelCase.ConvertName(e.PropertyName)).ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).ToArray()),
                title: "The order is not valid");
        }

        await publisher.PublishAsync(message, message.OrderId.ToString(), cancellationToken);
        return Results.AcceptedAtRoute("GetOrder", new { id = message.OrderId }, new { orderId = message.OrderId, status = "Accepted" });
    }

    /// <summary>The saga's state and history; 404 until the worker has started it.</summary>
    internal static async Task<IResult> GetAsync(Guid id, ISagaStore<CheckoutState> sagas, CancellationToken cancellationToken)
    {
        var loaded = await sagas.LoadAsync(id, cancellationToken);
        if (loaded is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such order (yet)", detail: $"No checkout has started for order {id}; an order just accepted starts within moments.");
        }

        var s = loaded.State;
        return Results.Ok(new OrderStatus(s.CorrelationId, s.CurrentState, s.Reason, s.Total, s.ConfirmationNumber, s.InvoiceNumber, s.StartedAt, s.EndedAt, s.Steps, s.History));
    }
}

using System.Collections.Concurrent;
using FluentValidation;
using Sagas.CloudEvents;
using Sagas.Contracts;
using Sagas.Functions.Inbox;
using Sagas.Steps;

namespace Sagas.Functions.Azure.Tests.Harness;

/// <summary>The step command of these tests.</summary>
[CloudEventContract("dev.sagas.tests.azure.reserve-stock", 1)]
public sealed record ReserveStock(string Sku, int Quantity, string? Note = null);

/// <summary>Rejects an empty SKU and a quantity below 1.</summary>
public sealed class ReserveStockValidator : AbstractValidator<ReserveStock>
{
    public ReserveStockValidator()
    {
        RuleFor(x => x.Sku).NotEmpty();
        RuleFor(x => x.Quantity).GreaterThan(0);
    }
}

/// <summary>The result of <see cref="ReserveStockHandler"/>.</summary>
public sealed record StockReserved(string ReservationId, int Quantity);

/// <summary>SKUs that make <see cref="ReserveStockHandler"/> misbehave.</summary>
public static class Skus
{
    /// <summary>A business failure: <see cref="StepOutcome.Fail(string)"/>.</summary>
    public const string OutOfStock = "out-of-stock";

    /// <summary>The handler throws <see cref="TimeoutException"/>.</summary>
    public const string Flaky = "flaky";
}

/// <summary>Reserves stock, or fails by <see cref="Skus"/>; counts its calls.</summary>
public sealed class ReserveStockHandler(HandlerCalls calls) : IStepHandler<ReserveStock, StockReserved>
{
    public ValueTask<StepOutcome<StockReserved>> HandleAsync(ReserveStock command, StepContext context)
    {
        calls.Commands.Enqueue(command);
        return command.Sku switch
        {
            Skus.OutOfStock => ValueTask.FromResult<StepOutcome<StockReserved>>(StepOutcome.Fail($"{command.Sku} is out of stock")),
            Skus.Flaky => throw new TimeoutException("the warehouse did not answer"),
            _ => ValueTask.FromResult<StepOutcome<StockReserved>>(new StockReserved($"reservation-{context.IdempotencyKey}", command.Quantity)),
        };
    }
}

public sealed class HandlerCalls
{
    public ConcurrentQueue<ReserveStock> Commands { get; } = new();
}

/// <summary>
/// The in-memory inbox, with an outage switch: while <see cref="Outage"/> is set, every call throws, as a durable
/// inbox does when its database is unreachable (a transient failure of the function, not of the handler).
/// </summary>
public sealed class SwitchableInbox(IStepInbox inner) : IStepInbox
{
    public string? Outage { get; set; }

    public ValueTask<StepInboxClaim> TryClaimAsync(StepInboxKey key, CancellationToken cancellationToken = default)
        => Outage is { } outage ? throw new InvalidOperationException(outage) : inner.TryClaimAsync(key, cancellationToken);

    public ValueTask<ReadOnlyMemory<byte>> CompleteAsync(StepInboxKey key, Guid leaseId, ReadOnlyMemory<byte> reply, CancellationToken cancellationToken = default)
        => inner.CompleteAsync(key, leaseId, reply, cancellationToken);

    public ValueTask ReleaseAsync(StepInboxKey key, Guid leaseId, CancellationToken cancellationToken = default)
        => inner.ReleaseAsync(key, leaseId, cancellationToken);
}

/// <summary>Builds step commands the way the saga sends them, and reads replies the way it does.</summary>
public static class Commands
{
    public static readonly Uri Source = new("/tests/checkout-saga", UriKind.Relative);

    /// <summary>Knows the test command and the replies, like the saga side.</summary>
    public static CloudEventConverter Converter { get; } = new(new ContractRegistry()
        .Add(new ReserveStockValidator())
        .AddStepContracts());

    public static CloudNative.CloudEvents.CloudEvent ReserveStock(Guid sagaId, string sku = "sku-1", int quantity = 2, string? note = null, string? id = null)
        => Converter.ToCloudEvent(new ReserveStock(sku, quantity, note), new EventMetadata
        {
            Id = id ?? Guid.NewGuid().ToString(),
            Source = Source,
            Subject = sagaId.ToString(),
            CorrelationId = sagaId.ToString(),
            Time = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            Extensions = new Dictionary<string, object>
            {
                [SagaAttributes.Step.Name] = "reserve-stock",
                [SagaAttributes.Attempt.Name] = 1,
                [SagaAttributes.Compensate.Name] = false,
            },
        });

    public static string Structured(CloudNative.CloudEvents.CloudEvent cloudEvent)
        => System.Text.Encoding.UTF8.GetString(Converter.EncodeStructured(cloudEvent).Span);

    public static StepCompleted Completed(CloudNative.CloudEvents.CloudEvent reply) => Assert.IsType<StepCompleted>(Converter.Decode(reply).Message);

    public static StepFailed Failed(CloudNative.CloudEvents.CloudEvent reply) => Assert.IsType<StepFailed>(Converter.Decode(reply).Message);
}

using System.Collections.Concurrent;
using FluentValidation;
using Sagas.CloudEvents;
using Sagas.Contracts;
using Sagas.Steps;

namespace Sagas.Functions.Tests.Harness;

/// <summary>The step command of these tests.</summary>
[CloudEventContract("dev.sagas.tests.reserve-stock", 1)]
public sealed record ReserveStock(string Sku, int Quantity);

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

/// <summary>A contract the test endpoint knows but has no handler for.</summary>
[CloudEventContract("dev.sagas.tests.audit-note", 1)]
public sealed record AuditNote(string Text);

/// <summary>SKUs that make <see cref="ReserveStockHandler"/> misbehave.</summary>
public static class Skus
{
    /// <summary>A business failure: <see cref="StepOutcome.Fail(string)"/>.</summary>
    public const string OutOfStock = "out-of-stock";

    /// <summary>A transient failure: the handler throws <see cref="TimeoutException"/>.</summary>
    public const string Flaky = "flaky";

    /// <summary>The handler waits for <see cref="HandlerProbe.Release"/>.</summary>
    public const string Slow = "slow";
}

/// <summary>Records every handler call and lets a test hold a handler until it releases it.</summary>
public sealed class HandlerProbe
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<(ReserveStock Command, StepContext Context)> Calls { get; } = new();

    /// <summary>Completes when a <see cref="Skus.Slow"/> command has entered the handler.</summary>
    public Task Entered => _entered.Task;

    public void Release() => _release.TrySetResult();

    internal async Task HoldAsync(CancellationToken cancellationToken)
    {
        _entered.TrySetResult();
        await _release.Task.WaitAsync(cancellationToken);
    }
}

/// <summary>Reserves stock, or fails by <see cref="Skus"/>.</summary>
public sealed class ReserveStockHandler(HandlerProbe probe) : IStepHandler<ReserveStock, StockReserved>
{
    public async ValueTask<StepOutcome<StockReserved>> HandleAsync(ReserveStock command, StepContext context)
    {
        probe.Calls.Enqueue((command, context));
        switch (command.Sku)
        {
            case Skus.OutOfStock:
                return StepOutcome.Fail($"{command.Sku} is out of stock");
            case Skus.Flaky:
                throw new TimeoutException("the warehouse did not answer");
            case Skus.Slow:
                await probe.HoldAsync(context.CancellationToken);
                break;
        }

        return new StockReserved($"reservation-{context.IdempotencyKey}", command.Quantity);
    }
}

/// <summary>Builds step commands the way the saga sends them.</summary>
public static class Commands
{
    public static readonly Uri Source = new("/tests/checkout-saga", UriKind.Relative);

    /// <summary>Knows the test command and the replies, like the saga side.</summary>
    public static CloudEventConverter Converter { get; } = new(new ContractRegistry()
        .Add(new ReserveStockValidator())
        .Add<AuditNote>()
        .AddStepContracts());

    public static CloudNative.CloudEvents.CloudEvent ReserveStock(
        Guid sagaId,
        string sku = "sku-1",
        int quantity = 2,
        string step = "reserve-stock",
        int attempt = 1,
        bool compensate = false,
        string? id = null)
        => Create(new ReserveStock(sku, quantity), sagaId, step, attempt, compensate, id);

    public static CloudNative.CloudEvents.CloudEvent Create(object message, Guid sagaId, string step = "reserve-stock", int attempt = 1, bool compensate = false, string? id = null)
        => Converter.ToCloudEvent(message, new EventMetadata
        {
            Id = id ?? Guid.NewGuid().ToString(),
            Source = Source,
            Subject = sagaId.ToString(),
            CorrelationId = sagaId.ToString(),
            Time = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            Extensions = new Dictionary<string, object>
            {
                [SagaAttributes.Step.Name] = step,
                [SagaAttributes.Attempt.Name] = attempt,
                [SagaAttributes.Compensate.Name] = compensate,
            },
        });
}

using System.Collections.Concurrent;
using System.Text.Json;
using CloudNative.CloudEvents;
using FluentValidation;
using Sagas.CloudEvents;
using Sagas.Contracts;
using Sagas.Steps;

namespace Sagas.Functions.Aws.Tests.Harness;

/// <summary>The step command of these tests; <see cref="Notes"/> makes it as large as a test needs.</summary>
[CloudEventContract("dev.sagas.tests.aws.pack-order", 1)]
public sealed record PackOrder(string OrderId, int Parcels, string? Notes = null);

/// <summary>Rejects an empty order id and fewer than one parcel.</summary>
public sealed class PackOrderValidator : AbstractValidator<PackOrder>
{
    public PackOrderValidator()
    {
        RuleFor(x => x.OrderId).NotEmpty();
        RuleFor(x => x.Parcels).GreaterThan(0);
    }
}

/// <summary>The result of <see cref="PackOrderHandler"/>.</summary>
public sealed record OrderPacked(string PackingSlip, int Parcels, int NotesLength);

/// <summary>A contract the test endpoint knows but has no handler for.</summary>
[CloudEventContract("dev.sagas.tests.aws.audit-note", 1)]
public sealed record AuditNote(string Text);

/// <summary>Order ids that make <see cref="PackOrderHandler"/> misbehave.</summary>
public static class Orders
{
    /// <summary>A business failure.</summary>
    public const string NoBoxes = "no-boxes";

    /// <summary>The handler throws.</summary>
    public const string Flaky = "flaky";

    /// <summary>The handler waits for <see cref="HandlerProbe.Release"/>.</summary>
    public const string Slow = "slow";
}

/// <summary>Records every handler call and lets a test hold a handler until it releases it.</summary>
public sealed class HandlerProbe
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<PackOrder> Calls { get; } = new();

    public Task Entered => _entered.Task;

    public void Release() => _release.TrySetResult();

    internal async Task HoldAsync(CancellationToken cancellationToken)
    {
        _entered.TrySetResult();
        await _release.Task.WaitAsync(cancellationToken);
    }
}

public sealed class PackOrderHandler(HandlerProbe probe) : IStepHandler<PackOrder, OrderPacked>
{
    public async ValueTask<StepOutcome<OrderPacked>> HandleAsync(PackOrder command, StepContext context)
    {
        probe.Calls.Enqueue(command);
        switch (command.OrderId)
        {
            case Orders.NoBoxes:
                return StepOutcome.Fail("no boxes left");
            case Orders.Flaky:
                throw new TimeoutException("the packing robot did not answer");
            case Orders.Slow:
                await probe.HoldAsync(context.CancellationToken);
                break;
        }

        return new OrderPacked($"slip-{command.OrderId}", command.Parcels, command.Notes?.Length ?? 0);
    }
}

/// <summary>Builds step commands the way the saga sends them and reads the replies.</summary>
public static class Commands
{
    public static readonly Uri Source = new("/tests/aws-saga", UriKind.Relative);

    public static CloudEventConverter Converter { get; } = new(new ContractRegistry()
        .Add(new PackOrderValidator())
        .Add<AuditNote>()
        .AddStepContracts());

    public static CloudEvent PackOrder(Guid sagaId, string orderId = "order-1", int parcels = 2, string? notes = null, string? id = null)
        => Create(new PackOrder(orderId, parcels, notes), sagaId, id);

    public static CloudEvent Create(object message, Guid sagaId, string? id = null)
        => Converter.ToCloudEvent(message, new EventMetadata
        {
            Id = id ?? Guid.NewGuid().ToString(),
            Source = Source,
            Subject = sagaId.ToString(),
            CorrelationId = sagaId.ToString(),
            Extensions = new Dictionary<string, object>
            {
                [SagaAttributes.Step.Name] = "pack-order",
                [SagaAttributes.Attempt.Name] = 1,
            },
        });

    public static StepCompleted Completed(CloudEvent reply) => Assert.IsType<StepCompleted>(Converter.Decode(reply).Message);

    public static StepFailed Failed(CloudEvent reply) => Assert.IsType<StepFailed>(Converter.Decode(reply).Message);

    public static OrderPacked Result(CloudEvent reply)
        => Completed(reply).Result!.Value.Deserialize<OrderPacked>(ContractJson.CreateOptions())!;
}

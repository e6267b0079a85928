using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sagas.Contracts;
using Sagas.Gateway;
using Sagas.Steps;

namespace Sagas.Placement;

/// <summary>
/// Refuses, when the application starts, routes whose hosts cannot hold the steps routed to them
/// (<see cref="StepLimits"/>), naming each saga, step and limit, and a queue depth to overflow at that the transport cannot read.
/// </summary>
internal sealed class StepLimitsValidator(SagasBuilder sagas, ContractRegistry contracts, IServiceProvider services) : IValidateOptions<StepRoutingOptions>
{
    public ValidateOptionsResult Validate(string? name, StepRoutingOptions options)
    {
        var failures = new List<string>();
        if (services.GetService<IServiceProviderIsService>()?.IsService(typeof(IQueueDepths)) != true)
        {
            failures.AddRange(options.Routes
                .Where(r => r.Value.Overflow?.MaxQueueDepth is not null)
                .Select(r => $"{nameof(StepRoutingOptions)}.{nameof(StepRoutingOptions.Routes)}[\"{r.Key}\"].Overflow.MaxQueueDepth needs a transport that reads its queues' depth (UseRabbitMq); this one cannot: use MaxInFlight, LatencyTarget or QueueWaitTarget."));
        }

        foreach (var machineType in sagas.SagaMachineTypes)
        {
            if (services.GetService(machineType) is not IStepPlanned planned)
            {
                continue;
            }

            var steps = planned.Steps.Select(s => new PlannedStep(
                s.Name,
                s.Options,
                [.. new[] { s.Command, s.Compensation }.OfType<Type>().Select(t => contracts.TryGet(t, out var contract) ? contract.EventType : null).OfType<string>()]));
            failures.AddRange(StepLimits.Problems(machineType.Name, steps, options));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

using Sagas.CloudEvents;

namespace Sagas.Steps;

/// <summary>Services the step engine needs while a saga handles an event.</summary>
/// <param name="TimeProvider">The clock for deadlines, retries and history.</param>
/// <param name="Converter">Serializes scheduled messages.</param>
/// <param name="Source">The CloudEvents <c>source</c> of the timers the engine schedules (<see cref="SagasOptions.Source"/>).</param>
public sealed record StepRuntime(TimeProvider TimeProvider, CloudEventConverter Converter, Uri Source);

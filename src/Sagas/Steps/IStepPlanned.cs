namespace Sagas.Steps;

/// <summary>A step saga's plan without its state type: what checks of the whole application (its hosts' limits) read.</summary>
internal interface IStepPlanned
{
    /// <summary>Each step: its name, options, command type and compensation type.</summary>
    IEnumerable<(string Name, StepOptions Options, Type Command, Type? Compensation)> Steps { get; }
}

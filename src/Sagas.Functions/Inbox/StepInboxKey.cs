namespace Sagas.Functions.Inbox;

/// <summary>
/// Identifies one step command at one function endpoint. CloudEvents <c>source</c> + <c>id</c> are unique per
/// distinct event, so the same pair seen again at the same endpoint is a retry or a redelivery of the same command.
/// </summary>
/// <param name="Endpoint">The receiving endpoint, <see cref="Runner.StepFunctionOptions.EndpointName"/>.</param>
/// <param name="Source">The command's CloudEvents <c>source</c>.</param>
/// <param name="Id">The command's CloudEvents <c>id</c>.</param>
public readonly record struct StepInboxKey(string Endpoint, string Source, string Id)
{
    /// <inheritdoc />
    public override string ToString() => $"{Endpoint}|{Source}|{Id}";
}

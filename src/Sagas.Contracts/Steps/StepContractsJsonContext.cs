using System.Text.Json.Serialization;

namespace Sagas.Steps;

/// <summary>
/// Source-generated JSON metadata of the step replies, read and written with the settings of the options it is a resolver of (<see cref="Contracts.ContractJson.CreateOptions()"/>):
/// every step round trip writes and reads one, so they are not described by reflection at run time.
/// </summary>
[JsonSerializable(typeof(StepCompleted))]
[JsonSerializable(typeof(StepFailed))]
internal sealed partial class StepContractsJsonContext : JsonSerializerContext;

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sagas.Steps;

/// <summary>
/// Source-generated JSON metadata of the step replies, with the settings of <see cref="Contracts.ContractJson.CreateOptions"/>:
/// every step round trip writes and reads one, so they are not described by reflection at run time.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    NumberHandling = JsonNumberHandling.Strict,
    RespectRequiredConstructorParameters = true,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(StepCompleted))]
[JsonSerializable(typeof(StepFailed))]
internal sealed partial class StepContractsJsonContext : JsonSerializerContext;

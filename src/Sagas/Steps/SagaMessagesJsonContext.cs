using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sagas.Steps;

/// <summary>
/// Source-generated JSON metadata of the engine's own messages, read and written with the settings of the options it is a resolver of (<see cref="Contracts.ContractJson.CreateOptions()"/>):
/// every step attempt writes a timer, so it is not described by reflection at run time.
/// </summary>
[JsonSerializable(typeof(StepTimerElapsed))]
[JsonSerializable(typeof(ResumeSaga))]
[JsonSerializable(typeof(CompensateSaga))]
[JsonSerializable(typeof(RetryStepNow))]
internal sealed partial class SagaMessagesJsonContext : JsonSerializerContext
{
    /// <summary>The contract options of <paramref name="registry"/> with this metadata first.</summary>
    public static JsonSerializerOptions CreateOptions(Contracts.ContractRegistry registry)
    {
        var options = Contracts.ContractJson.CreateOptions(registry);
        options.TypeInfoResolverChain.Insert(0, Default);
        return options;
    }
}

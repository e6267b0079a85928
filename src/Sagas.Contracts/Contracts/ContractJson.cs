using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Sagas.Contracts;

/// <summary>The JSON settings contracts travel with, shared by event data and schema export.</summary>
public static class ContractJson
{
    /// <summary>
    /// Creates the default options: web defaults (camelCase, case-insensitive reads) except that numbers
    /// must be JSON numbers, constructor parameters without a default are required, and nullable
    /// annotations are respected, so data missing a required member is rejected rather than defaulted.
    /// The step replies are described by source-generated metadata, every other type by reflection.
    /// </summary>
    public static JsonSerializerOptions CreateOptions() => new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.Strict,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        TypeInfoResolver = JsonTypeInfoResolver.Combine(Steps.StepContractsJsonContext.Default, new DefaultJsonTypeInfoResolver()),
    };

    /// <summary>
    /// The default options (<see cref="CreateOptions()"/>) asking the registry's <see cref="ContractRegistry.JsonMetadata"/>
    /// first, in the order it was added.
    /// </summary>
    public static JsonSerializerOptions CreateOptions(ContractRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var options = CreateOptions();
        for (var i = 0; i < registry.JsonMetadata.Count; i++)
        {
            options.TypeInfoResolverChain.Insert(i, registry.JsonMetadata[i]);
        }

        return options;
    }
}

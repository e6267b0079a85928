using System.Text.Json;

namespace Sagas.Contracts;

/// <summary>The JSON settings contracts travel with, shared by event data and schema export.</summary>
public static class ContractJson
{
    /// <summary>
    /// Creates the default options: web defaults (camelCase, case-insensitive reads), constructor
    /// parameters without a default required, and nullable annotations respected, so data missing a
    /// required member is rejected rather than defaulted.
    /// </summary>
    public static JsonSerializerOptions CreateOptions() => new(JsonSerializerDefaults.Web)
    {
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };
}

using System.Text.Json.Serialization;

namespace Sagas.Functions.Http;

/// <summary>
/// Source-generated JSON of what a problem answer carries beyond ASP.NET Core's own metadata (its <c>errors</c>), so a
/// trimmed or Native AOT host writes it too.
/// </summary>
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class StepHttpJsonContext : JsonSerializerContext;

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Checkout.Steps.CrmUpdates;

/// <summary>Source-generated JSON of the CRM update (web defaults: camelCase, case-insensitive reads), so the function host runs trimmed or with Native AOT.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CrmOrderUpdate))]
internal sealed partial class CrmJsonContext : JsonSerializerContext;

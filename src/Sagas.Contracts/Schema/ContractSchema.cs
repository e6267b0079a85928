using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using Sagas.Contracts;

namespace Sagas.Schema;

/// <summary>Exports the JSON Schema of a contract from its CLR type.</summary>
public static class ContractSchema
{
    private static readonly JsonSchemaExporterOptions ExporterOptions = new() { TreatNullObliviousAsNonNullable = true };

    /// <summary>
    /// The JSON Schema (draft 2020-12) of <paramref name="contract"/>'s data, with <c>$id</c> set to its
    /// <c>dataschema</c> and <c>title</c> to its CloudEvents <c>type</c>.
    /// </summary>
    /// <param name="contract">The contract.</param>
    /// <param name="jsonOptions">The options the data travels with; defaults to <see cref="ContractJson.CreateOptions()"/>.</param>
    public static JsonObject Export(ContractDescriptor contract, JsonSerializerOptions? jsonOptions = null)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var options = jsonOptions ?? ContractJson.CreateOptions();
        options.MakeReadOnly(populateMissingResolver: true);
        var body = JsonSchemaExporter.GetJsonSchemaAsNode(options, contract.ClrType, ExporterOptions);
        var schema = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = contract.DataSchema.OriginalString, // as the dataschema attribute is written; ToString() would unescape it
            ["title"] = contract.EventType,
        };
        if (body is JsonObject properties)
        {
            foreach (var (name, value) in properties.ToList())
            {
                properties.Remove(name);
                schema[name] = value;
            }
        }

        return schema;
    }

    /// <summary>The schema as indented JSON with a trailing newline, the form committed to a repository.</summary>
    public static string ToText(JsonObject schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return schema.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }
}

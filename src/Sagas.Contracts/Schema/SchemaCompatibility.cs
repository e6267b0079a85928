using System.Text.Json.Nodes;

namespace Sagas.Schema;

/// <summary>
/// Compares two JSON Schemas of the same contract version and lists the changes that would break a
/// party still using the older one.
/// </summary>
/// <remarks>
/// Breaking: a property removed, a property's <c>type</c> changed (including nullability), a new required
/// property, an optional property made required, an <c>enum</c> value removed; nested objects and array
/// items are compared the same way. Compatible: a new optional property, a property made optional, a new
/// <c>enum</c> value. A breaking change needs a new contract version.
/// </remarks>
public static class SchemaCompatibility
{
    /// <summary>The breaking changes from <paramref name="previous"/> to <paramref name="current"/>; empty when compatible.</summary>
    public static IReadOnlyList<string> FindBreakingChanges(JsonNode? previous, JsonNode? current)
    {
        var changes = new List<string>();
        Compare(previous as JsonObject, current as JsonObject, "$", changes);
        return changes;
    }

    private static void Compare(JsonObject? previous, JsonObject? current, string path, List<string> changes)
    {
        if (previous is null || current is null)
        {
            if (previous is not null)
            {
                changes.Add($"{path}: schema removed");
            }

            return;
        }

        var previousType = TypeSet(previous);
        var currentType = TypeSet(current);
        if (!previousType.SetEquals(currentType))
        {
            changes.Add($"{path}: type changed from [{string.Join(", ", previousType.Order(StringComparer.Ordinal))}] to [{string.Join(", ", currentType.Order(StringComparer.Ordinal))}]");
            return;
        }

        var previousEnum = Strings(previous["enum"]);
        var currentEnum = Strings(current["enum"]);
        foreach (var removed in previousEnum.Except(currentEnum))
        {
            changes.Add($"{path}: enum value {removed} removed");
        }

        var previousRequired = Strings(previous["required"]);
        var currentRequired = Strings(current["required"]);
        var previousProperties = previous["properties"] as JsonObject;
        var currentProperties = current["properties"] as JsonObject;
        if (previousProperties is not null)
        {
            foreach (var (name, schema) in previousProperties)
            {
                var propertyPath = $"{path}.{name}";
                if (currentProperties?[name] is not JsonObject currentSchema)
                {
                    changes.Add($"{propertyPath}: property removed");
                    continue;
                }

                if (!previousRequired.Contains(name) && currentRequired.Contains(name))
                {
                    changes.Add($"{propertyPath}: optional property made required");
                }

                Compare(schema as JsonObject, currentSchema, propertyPath, changes);
            }
        }

        if (currentProperties is not null)
        {
            foreach (var (name, _) in currentProperties)
            {
                if (previousProperties?.ContainsKey(name) != true && currentRequired.Contains(name))
                {
                    changes.Add($"{path}.{name}: new required property");
                }
            }
        }

        Compare(previous["items"] as JsonObject, current["items"] as JsonObject, path + "[]", changes);
    }

    private static HashSet<string> TypeSet(JsonObject schema) => schema["type"] switch
    {
        JsonArray array => Strings(array),
        JsonValue value => [value.ToString()],
        _ => [],
    };

    // Strings by value: ToJsonString() escapes non-ASCII and '+' ("größe" -> "gr\u00F6\u00DFe"), so it would
    // never match a property name.
    private static HashSet<string> Strings(JsonNode? node) => node is JsonArray array
        ? array.Select(n => n is JsonValue value && value.TryGetValue<string>(out var text) ? text : n?.ToJsonString() ?? "null").ToHashSet(StringComparer.Ordinal)
        : new HashSet<string>(StringComparer.Ordinal);
}

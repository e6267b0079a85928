using System.Text.Json.Nodes;
using Sagas.Schema;

namespace Sagas.Contracts.Tests.Schema;

/// <summary>One test per rule in the <see cref="SchemaCompatibility"/> documentation.</summary>
public class SchemaCompatibilityTests
{
    private const string Previous = """
        {
          "type": "object",
          "properties": {
            "orderId": { "type": "string", "format": "uuid" },
            "status": { "type": "string", "enum": ["placed", "paid", "shipped"] },
            "note": { "type": ["string", "null"] },
            "quantity": { "type": "integer" },
            "customer": {
              "type": "object",
              "properties": { "id": { "type": "string" }, "email": { "type": "string" } },
              "required": ["id"]
            },
            "lines": {
              "type": "array",
              "items": { "type": "object", "properties": { "sku": { "type": "string" } }, "required": ["sku"] }
            },
            "tags": { "type": "array", "items": { "type": "string" } }
          },
          "required": ["orderId", "status", "quantity"]
        }
        """;

    [Fact]
    public void Identical_schemas_have_no_breaking_changes()
    {
        Assert.Empty(Find(current => { }));
    }

    [Fact]
    public void Property_removed_is_breaking()
    {
        Assert.Equal(["$.note: property removed"], Find(s => Properties(s).Remove("note")));
    }

    [Fact]
    public void Type_changed_is_breaking()
    {
        Assert.Equal(["$.quantity: type changed from [integer] to [string]"], Find(s => Properties(s)["quantity"]!["type"] = "string"));
    }

    [Fact]
    public void Nullability_added_is_breaking()
    {
        Assert.Equal(["$.orderId: type changed from [string] to [null, string]"], Find(s => Properties(s)["orderId"]!["type"] = new JsonArray("string", "null")));
    }

    [Fact]
    public void Nullability_removed_is_breaking()
    {
        Assert.Equal(["$.note: type changed from [null, string] to [string]"], Find(s => Properties(s)["note"]!["type"] = "string"));
    }

    [Fact]
    public void New_required_property_is_breaking()
    {
        var changes = Find(s =>
        {
            Properties(s)["channel"] = new JsonObject { ["type"] = "string" };
            s["required"]!.AsArray().Add("channel");
        });

        Assert.Equal(["$.channel: new required property"], changes);
    }

    [Fact]
    public void Optional_property_made_required_is_breaking()
    {
        Assert.Equal(["$.note: optional property made required"], Find(s => s["required"]!.AsArray().Add("note")));
    }

    /// <summary>Member names are compared as names, not as escaped JSON text (non-ASCII and '+' are escaped by default).</summary>
    [Theory]
    [InlineData("größe")]
    [InlineData("prix€")]
    [InlineData("a+b")]
    public void Optional_property_with_a_non_ascii_or_escaped_name_made_required_is_breaking(string name)
    {
        var changes = Find(s => s["required"]!.AsArray().Add(name), previous => Properties(previous)[name] = new JsonObject { ["type"] = "string" });

        Assert.Equal([$"$.{name}: optional property made required"], changes);
    }

    [Theory]
    [InlineData("größe")]
    [InlineData("a+b")]
    public void New_required_property_with_a_non_ascii_or_escaped_name_is_breaking(string name)
    {
        var changes = Find(s =>
        {
            Properties(s)[name] = new JsonObject { ["type"] = "string" };
            s["required"]!.AsArray().Add(name);
        });

        Assert.Equal([$"$.{name}: new required property"], changes);
    }

    [Fact]
    public void Required_property_with_a_non_ascii_name_kept_as_is_is_compatible()
    {
        var changes = Find(s => { }, previous =>
        {
            Properties(previous)["größe"] = new JsonObject { ["type"] = "string" };
            previous["required"]!.AsArray().Add("größe");
        });

        Assert.Empty(changes);
    }

    [Fact]
    public void Enum_value_removed_is_breaking()
    {
        Assert.Equal(["$.status: enum value shipped removed"], Find(s => Properties(s)["status"]!["enum"] = new JsonArray("placed", "paid")));
    }

    [Fact]
    public void Nested_object_property_removed_is_breaking()
    {
        Assert.Equal(["$.customer.email: property removed"], Find(s => Properties(Properties(s)["customer"]!.AsObject()).Remove("email")));
    }

    [Fact]
    public void Nested_object_optional_property_made_required_is_breaking()
    {
        Assert.Equal(["$.customer.email: optional property made required"], Find(s => Properties(s)["customer"]!["required"]!.AsArray().Add("email")));
    }

    [Fact]
    public void Array_items_type_changed_is_breaking()
    {
        Assert.Equal(["$.tags[]: type changed from [string] to [integer]"], Find(s => Properties(s)["tags"]!["items"]!["type"] = "integer"));
    }

    [Fact]
    public void Array_item_property_removed_is_breaking()
    {
        Assert.Equal(["$.lines[].sku: property removed"], Find(s => Properties(Properties(s)["lines"]!["items"]!.AsObject()).Remove("sku")));
    }

    [Fact]
    public void Every_breaking_change_is_listed()
    {
        var changes = Find(s =>
        {
            Properties(s).Remove("note");
            Properties(s)["quantity"]!["type"] = "number";
            Properties(s)["status"]!["enum"] = new JsonArray("placed");
        });

        Assert.Equal(
            ["$.note: property removed", "$.quantity: type changed from [integer] to [number]", "$.status: enum value paid removed", "$.status: enum value shipped removed"],
            changes.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void New_optional_property_is_compatible()
    {
        Assert.Empty(Find(s => Properties(s)["giftWrap"] = new JsonObject { ["type"] = "boolean" }));
    }

    [Fact]
    public void Property_made_optional_is_compatible()
    {
        Assert.Empty(Find(s => s["required"]!.AsArray().RemoveAt(2)));
    }

    [Fact]
    public void New_enum_value_is_compatible()
    {
        Assert.Empty(Find(s => Properties(s)["status"]!["enum"]!.AsArray().Add("cancelled")));
    }

    [Fact]
    public void New_optional_nested_property_is_compatible()
    {
        Assert.Empty(Find(s => Properties(Properties(s)["customer"]!.AsObject())["phone"] = new JsonObject { ["type"] = "string" }));
    }

    [Fact]
    public void Whole_schema_removed_is_breaking_and_a_new_one_is_not()
    {
        Assert.Equal(["$: schema removed"], SchemaCompatibility.FindBreakingChanges(JsonNode.Parse(Previous), null));
        Assert.Empty(SchemaCompatibility.FindBreakingChanges(null, JsonNode.Parse(Previous)));
    }

    /// <summary>
    /// The breaking changes from <see cref="Previous"/> (first changed by <paramref name="both"/>, if given) to a copy of it
    /// changed by <paramref name="change"/>.
    /// </summary>
    private static IReadOnlyList<string> Find(Action<JsonObject> change, Action<JsonObject>? both = null)
    {
        var previous = JsonNode.Parse(Previous)!.AsObject();
        both?.Invoke(previous);
        var current = previous.DeepClone().AsObject();
        change(current);
        return SchemaCompatibility.FindBreakingChanges(previous, current);
    }

    private static JsonObject Properties(JsonObject schema) => schema["properties"]!.AsObject();
}

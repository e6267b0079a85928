using System.Reflection;
using System.Text.Json.Serialization;
using Sagas.Steps;

namespace Sagas.Persistence;

/// <summary>
/// How <see cref="InMemorySagaStore{TState}"/> copies a saga's state that a transition takes, in case the transition
/// fails: field by field (<see cref="StepSagaState.CopyFields"/>) where that copy is exactly the JSON copy, else as JSON.
/// </summary>
/// <remarks>
/// Field by field equals a JSON copy when every field is the backing field of a public read-write property that JSON
/// writes as it is (no <see cref="JsonIgnoreAttribute"/>, no converter of its own), of a type JSON copies exactly and
/// that cannot be shared (a number, a string, a date, a GUID, an enum, or such a value or null): a state of business
/// values, as the docs recommend. A collection, a nested object, an ignored or computed field makes it a JSON copy, as
/// before. The step saga's own fields are known: three lists (copied, the history's immutable entries shared) and values.
/// The rules are checked once per state type.
/// </remarks>
/// <typeparam name="TState">The saga state.</typeparam>
internal static class StateCopy<TState>
    where TState : class
{
    private const BindingFlags DeclaredFields = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    /// <summary>The field-by-field copy, or <see langword="null"/> when only a JSON copy is exact.</summary>
    public static Func<TState, TState>? Fields { get; } = Create();

    private static Func<TState, TState>? Create()
    {
        if (!typeof(StepSagaState).IsAssignableFrom(typeof(TState))
            || !AllValues(typeof(StepProgress))
            || !AllValues(typeof(StepSagaState), nameof(StepSagaState.Steps), nameof(StepSagaState.CompensationLog), nameof(StepSagaState.History)))
        {
            return null;
        }

        for (var type = typeof(TState); type != typeof(StepSagaState); type = type.BaseType!)
        {
            if (!AllValues(type))
            {
                return null;
            }
        }

        return static state => (TState)(object)((StepSagaState)(object)state).CopyFields();
    }

    /// <summary>Whether every field <paramref name="type"/> declares is a plain value's property (or one of <paramref name="known"/>).</summary>
    private static bool AllValues(Type type, params string[] known)
    {
        if (type.IsDefined(typeof(JsonConverterAttribute), inherit: false))
        {
            return false;
        }

        foreach (var field in type.GetFields(DeclaredFields))
        {
            if (PropertyOf(type, field) is not { } property || property.IsDefined(typeof(JsonIgnoreAttribute)) || property.IsDefined(typeof(JsonConverterAttribute)))
            {
                return false;
            }

            if (!known.Contains(property.Name) && !IsValue(field.FieldType))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The public read-write property whose backing field <paramref name="field"/> is.</summary>
    private static PropertyInfo? PropertyOf(Type type, FieldInfo field)
        => field.Name is ['<', .. var rest] && rest.IndexOf(">k__BackingField", StringComparison.Ordinal) is > 0 and var end
            && type.GetProperty(rest[..end], BindingFlags.Instance | BindingFlags.Public | BindingFlags.DeclaredOnly) is { GetMethod.IsPublic: true, SetMethod.IsPublic: true } property
            && property.GetIndexParameters().Length == 0
                ? property
                : null;

    private static bool IsValue(Type type)
        => Nullable.GetUnderlyingType(type) is { } underlying
            ? IsValue(underlying)
            : (type.IsPrimitive && type != typeof(nint) && type != typeof(nuint)) || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(DateTime)
                || type == typeof(DateTimeOffset) || type == typeof(TimeSpan) || type == typeof(Guid) || type == typeof(DateOnly) || type == typeof(TimeOnly);
}

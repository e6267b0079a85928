using CloudNative.CloudEvents;

namespace Sagas.CloudEvents.Structured;

/// <summary>The CloudEvents 1.0 rules for attribute names and string values, as the CloudEvents SDK enforces them.</summary>
internal static class AttributeText
{
    private static readonly Dictionary<string, CloudEventAttributeType> Declared = SagaAttributes.All.ToDictionary(a => a.Name, a => a.Type);

    /// <summary>The type <see cref="SagaAttributes"/> declares for an extension (an integer, a Boolean...), or null for any other name.</summary>
    public static CloudEventAttributeType? DeclaredType(string name) => Declared.GetValueOrDefault(name);

    /// <summary>Lower-case ASCII letters and digits only.</summary>
    public static bool IsValidName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9')))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>No control characters (U+0000–U+001F, U+007F–U+009F) and no unpaired surrogate.</summary>
    public static bool IsValidValue(string value)
    {
        if (!value.AsSpan().ContainsAnyExceptInRange(' ', '~'))
        {
            return true; // printable ASCII, as nearly every value is: checked vectorized
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c < ' ')
            {
                return false;
            }

            if (c < '\u007f')
            {
                continue;
            }

            if (c <= '\u009f')
            {
                return false;
            }

            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }
}

namespace Sagas.CloudEvents.Structured;

/// <summary>
/// The CloudEvents <c>time</c> text as the CloudEvents SDK formats it, written into a span without a format string: the
/// fraction left out when zero, else in 3, 6 or 7 digits (the fewest of those that hold it); <c>Z</c> for a zero offset,
/// else <c>±hh:mm</c>.
/// </summary>
internal static class Rfc3339
{
    /// <summary>The longest text: <c>yyyy-MM-ddTHH:mm:ss.fffffff+hh:mm</c>.</summary>
    public const int MaxLength = 33;

    /// <summary>Writes <paramref name="value"/> into <paramref name="destination"/> (at least <see cref="MaxLength"/> long); returns the length.</summary>
    public static int Format(DateTimeOffset value, Span<byte> destination)
    {
        var clock = value.DateTime;
        Digits(destination[..4], clock.Year);
        destination[4] = (byte)'-';
        Digits(destination.Slice(5, 2), clock.Month);
        destination[7] = (byte)'-';
        Digits(destination.Slice(8, 2), clock.Day);
        destination[10] = (byte)'T';
        Digits(destination.Slice(11, 2), clock.Hour);
        destination[13] = (byte)':';
        Digits(destination.Slice(14, 2), clock.Minute);
        destination[16] = (byte)':';
        Digits(destination.Slice(17, 2), clock.Second);
        var length = 19;
        var fraction = (int)(clock.Ticks % TimeSpan.TicksPerSecond);
        if (fraction != 0)
        {
            destination[length++] = (byte)'.';
            var (digits, scaled) = fraction % 10_000 == 0 ? (3, fraction / 10_000) : fraction % 10 == 0 ? (6, fraction / 10) : (7, fraction);
            Digits(destination.Slice(length, digits), scaled);
            length += digits;
        }

        var offset = value.Offset;
        if (offset == TimeSpan.Zero)
        {
            destination[length++] = (byte)'Z';
            return length;
        }

        destination[length++] = offset < TimeSpan.Zero ? (byte)'-' : (byte)'+';
        var minutes = Math.Abs((int)offset.TotalMinutes);
        Digits(destination.Slice(length, 2), minutes / 60);
        destination[length + 2] = (byte)':';
        Digits(destination.Slice(length + 3, 2), minutes % 60);
        return length + 5;
    }

    private static void Digits(Span<byte> destination, int value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }
}

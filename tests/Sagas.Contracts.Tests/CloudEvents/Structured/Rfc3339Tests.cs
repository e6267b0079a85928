using System.Text;
using CloudNative.CloudEvents;
using Sagas.CloudEvents.Structured;

namespace Sagas.Contracts.Tests.CloudEvents.Structured;

public class Rfc3339Tests
{
    public static TheoryData<long, int> Times => new()
    {
        { 0, 0 },
        { 1, 0 },
        { 10, 0 },
        { 10_000, 0 },
        { 1_230_000, 0 },
        { 1_234_000, 0 },
        { 1_234_500, 120 },
        { 1_234_567, -330 },
        { 9_999_999, 840 },
        { 5_000_000, -720 },
    };

    [Theory]
    [MemberData(nameof(Times))]
    public void A_time_is_written_as_the_CloudEvents_SDK_formats_it(long fractionTicks, int offsetMinutes)
    {
        var time = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromMinutes(offsetMinutes)).AddTicks(fractionTicks);
        Span<byte> text = stackalloc byte[Rfc3339.MaxLength];

        var written = Encoding.ASCII.GetString(text[..Rfc3339.Format(time, text)]);

        Assert.Equal(CloudEventAttributeType.Timestamp.Format(time), written);
    }

    [Fact]
    public void The_longest_time_fits()
    {
        var time = new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.FromHours(14)).AddTicks(9_999_999);
        Span<byte> text = stackalloc byte[Rfc3339.MaxLength];

        Assert.Equal(Rfc3339.MaxLength, Rfc3339.Format(time, text));
    }
}

using System.Text;
using Sagas.CloudEvents;
using Sagas.Contracts.Tests.Checkout;

namespace Sagas.Contracts.Tests.CloudEvents.Structured;

/// <summary>The one-pass writer writes the bytes the CloudEvents SDK writes for the same event, and keeps the SDK's rules.</summary>
public class StructuredEventWriterTests
{
    private static readonly DateTimeOffset Time = new DateTimeOffset(2026, 12, 3, 5, 30, 59, TimeSpan.Zero).AddTicks(1234500);
    private readonly CloudEventConverter _converter = new(new ContractRegistry().Add<OrderSubmitted>().Add<PaymentDeclined>());

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void An_event_is_written_byte_for_byte_as_the_SDK_writes_it(int offsetHours)
    {
        var message = new PaymentDeclined(Guid.NewGuid(), "card \"expired\" é 🌎", PaymentMethod.Invoice);
        var time = Time.ToOffset(TimeSpan.FromHours(offsetHours));
        var contract = _converter.Registry.Get(typeof(PaymentDeclined));
        var sdk = _converter.EncodeStructured(_converter.ToCloudEvent(message, new EventMetadata
        {
            Id = "e-1",
            Source = new Uri("loopback://localhost/payments"),
            Subject = "s-1",
            Time = time,
            CorrelationId = "c-1",
            Extensions = new Dictionary<string, object> { ["sagastep"] = "Charge", ["sagaattempt"] = 2, ["sagacompensate"] = true, ["note"] = "x" },
        }));

        using var writer = _converter.StartStructured("e-1", new Uri("loopback://localhost/payments"), contract.EventType, contract.DataSchema, "s-1", time);
        writer.Extension("correlationid", "c-1");
        writer.Extension("sagastep", "Charge");
        writer.Extension("sagaattempt", "2");
        writer.Extension("sagacompensate", "true");
        writer.Extension("note", "x");
        var written = writer.Finish(message, typeof(PaymentDeclined), _converter.JsonOptions);

        Assert.Equal(Encoding.UTF8.GetString(sdk.Span), Encoding.UTF8.GetString(written));
    }

    [Fact]
    public void A_null_value_a_repeated_name_and_a_context_attribute_name_are_not_written_as_extensions()
    {
        using var writer = _converter.StartStructured("e-1", new Uri("/payments", UriKind.Relative), "t", null, null, null);
        writer.Extension("note", null);
        writer.Extension("first", "1");
        writer.Extension("first", "2");
        writer.Extension("id", "other");
        writer.Extension("data", "other");
        var written = Encoding.UTF8.GetString(writer.Finish(new { }, typeof(object), _converter.JsonOptions));

        Assert.Equal("""{"specversion":"1.0","id":"e-1","source":"/payments","type":"t","datacontenttype":"application/json","first":"1","data":{}}""", written);
    }

    [Theory]
    [InlineData("Note", "x", "name")]
    [InlineData("note", "a\u0007b", "value")]
    [InlineData("note", "a\u007fb", "value")]
    [InlineData("note", "caf\u00e9\u0085", "value")]
    [InlineData("sagaattempt", "two", "value")]
    [InlineData("sagacompensate", "yes", "value")]
    public void An_attribute_against_the_rules_is_refused_naming_it(string name, string value, string parameter)
    {
        var refused = Assert.Throws<ArgumentException>(() =>
        {
            using var writer = _converter.StartStructured("e-1", new Uri("/payments", UriKind.Relative), "t", null, null, null);
            writer.Extension(name, value);
        });

        Assert.Equal(parameter, refused.ParamName);
        Assert.Contains($"'{name}'", refused.Message, StringComparison.Ordinal);
    }

    // Built at run time: an attribute argument cannot hold an unpaired surrogate (metadata stores it as UTF-8).
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_value_with_an_unpaired_surrogate_is_refused(bool lowFirst)
    {
        var value = lowFirst ? new string(['\ude00', '\ud83d']) : new string(['x', '\ud83d']);

        var refused = Assert.Throws<ArgumentException>(() =>
        {
            using var writer = _converter.StartStructured("e-1", new Uri("/payments", UriKind.Relative), "t", null, null, null);
            writer.Extension("note", value);
        });

        Assert.Contains("unpaired surrogate", refused.Message, StringComparison.Ordinal);
    }
}

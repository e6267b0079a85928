using CloudNative.CloudEvents;
using Sagas.CloudEvents;
using Sagas.Steps;

namespace Sagas.Contracts.Tests.Steps;

/// <summary>
/// The step wire contract reads the same from a CloudEvent (a function host) and from transport headers (a container
/// consumer, where every attribute is text), with the same words for what is wrong, and writes what it reads.
/// </summary>
public class StepCommandAttributesTests
{
    private static readonly Guid Saga = Guid.Parse("5b1c7e0e-2d8f-4c55-9a43-0f3c2b1d9e77");

    public static TheoryData<Dictionary<string, string>, string[]> Invalid => new()
    {
        { new() { ["sagastep"] = "Charge", ["sagaattempt"] = "1" }, ["a step command needs the saga id in 'subject' (or 'correlationid')"] },
        { new() { ["subject"] = "not-a-uuid", ["sagastep"] = "Charge", ["sagaattempt"] = "1" }, ["'subject' must be the saga id, a non-empty UUID, got 'not-a-uuid'"] },
        { new() { ["subject"] = Guid.Empty.ToString(), ["sagastep"] = "Charge", ["sagaattempt"] = "1" }, [$"'subject' must be the saga id, a non-empty UUID, got '{Guid.Empty}'"] },
        { new() { ["subject"] = Saga.ToString(), ["correlationid"] = "7d1c7e0e-2d8f-4c55-9a43-0f3c2b1d9e77", ["sagastep"] = "Charge", ["sagaattempt"] = "1" }, [$"'subject' ({Saga}) and 'correlationid' (7d1c7e0e-2d8f-4c55-9a43-0f3c2b1d9e77) name different sagas"] },
        { new() { ["subject"] = Saga.ToString(), ["sagaattempt"] = "1" }, ["a step command needs the 'sagastep' attribute (the name of the saga step)"] },
        { new() { ["subject"] = Saga.ToString(), ["sagastep"] = new string('s', 101), ["sagaattempt"] = "1" }, ["'sagastep' must be at most 100 characters"] },
        { new() { ["subject"] = Saga.ToString(), ["sagastep"] = "Charge" }, ["a step command needs the 'sagaattempt' attribute (the attempt number, from 1)"] },
        { new() { ["subject"] = Saga.ToString(), ["sagastep"] = "Charge", ["sagaattempt"] = "0" }, ["'sagaattempt' must be an integer of at least 1, got '0'"] },
        { new() { ["subject"] = Saga.ToString(), ["sagastep"] = "Charge", ["sagaattempt"] = "two" }, ["'sagaattempt' must be an integer of at least 1, got 'two'"] },
        { new() { ["subject"] = Saga.ToString(), ["sagastep"] = "Charge", ["sagaattempt"] = "1", ["sagacompensate"] = "True" }, ["'sagacompensate' must be true or false, got 'True'"] },
        { new(), ["a step command needs the saga id in 'subject' (or 'correlationid')", "a step command needs the 'sagastep' attribute (the name of the saga step)", "a step command needs the 'sagaattempt' attribute (the attempt number, from 1)"] },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_attributes_are_refused_with_every_reason_the_same_from_headers_and_from_a_cloudevent(Dictionary<string, string> attributes, string[] expected)
    {
        var fromHeaders = new List<string>();
        var fromEvent = new List<string>();

        Assert.Null(StepCommandAttributes.Read(name => attributes.GetValueOrDefault(name), fromHeaders));
        Assert.Null(StepCommandAttributes.Read(ToCloudEvent(attributes), fromEvent));

        Assert.Equal(expected, fromHeaders);
        Assert.Equal(expected, fromEvent);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void What_is_written_as_headers_or_as_extensions_reads_back_the_same(bool compensation)
    {
        var written = new StepCommandAttributes(Saga, "ChargePayment", 3, compensation);

        var headers = new Dictionary<string, string>(written.ToHeaders()) { ["correlationid"] = Saga.ToString() };
        var cloudEvent = new CloudEvent(SagaAttributes.All) { Id = "c-1", Source = new Uri("/tests", UriKind.Relative), Type = "t", Subject = Saga.ToString() };
        foreach (var (name, value) in written.ToExtensions())
        {
            cloudEvent[name] = value;
        }

        var reasons = new List<string>();
        Assert.Equal(written, StepCommandAttributes.Read(name => headers.GetValueOrDefault(name), reasons));
        Assert.Equal(written, StepCommandAttributes.Read(cloudEvent, reasons));
        Assert.Empty(reasons);
    }

    [Fact]
    public void Without_sagacompensate_a_command_executes_the_step()
    {
        var read = StepCommandAttributes.Read(name => name switch { "subject" => Saga.ToString(), "sagastep" => "Charge", "sagaattempt" => "1", _ => null }, new List<string>());

        Assert.Equal(new StepCommandAttributes(Saga, "Charge", 1, Compensation: false), read);
    }

    /// <summary>The attributes as a CloudEvent read without the extensions' definitions: every one of them text, as in the headers.</summary>
    private static CloudEvent ToCloudEvent(Dictionary<string, string> attributes)
    {
        var cloudEvent = new CloudEvent { Id = "c-1", Source = new Uri("/tests", UriKind.Relative), Type = "t" };
        foreach (var (name, value) in attributes)
        {
            cloudEvent.SetAttributeFromString(name, value);
        }

        return cloudEvent;
    }
}

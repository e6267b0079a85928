using System.Text;
using System.Text.Json;
using Sagas.CloudEvents;
using Sagas.Steps;

namespace Sagas.Contracts.Tests.Steps;

/// <summary>The step reply contracts and their validators.</summary>
public class StepContractsTests
{
    private static readonly Guid SagaId = Guid.Parse("5b1c7e0e-2d8f-4c55-9a43-0f3c2b1d9e77");

    private static readonly StepCompleted ValidCompleted = new(SagaId, "charge-card", 1, false);

    private static readonly StepFailed ValidFailed = new(SagaId, "charge-card", 1, false, "card declined", true);

    [Fact]
    public void Valid_replies_pass_their_validators()
    {
        Assert.True(new StepCompletedValidator().Validate(ValidCompleted).IsValid);
        Assert.True(new StepFailedValidator().Validate(ValidFailed).IsValid);
    }

    [Fact]
    public void Step_completed_with_an_empty_saga_id_is_rejected()
    {
        Assert.Equal(["SagaId"], Failures(new StepCompletedValidator().Validate(ValidCompleted with { SagaId = Guid.Empty })));
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public void Step_completed_with_an_empty_step_is_rejected(string? step)
    {
        Assert.Equal(["Step"], Failures(new StepCompletedValidator().Validate(ValidCompleted with { Step = step! })));
    }

    [Fact]
    public void Step_completed_with_a_step_name_over_100_characters_is_rejected()
    {
        Assert.True(new StepCompletedValidator().Validate(ValidCompleted with { Step = new string('s', 100) }).IsValid);
        Assert.Equal(["Step"], Failures(new StepCompletedValidator().Validate(ValidCompleted with { Step = new string('s', 101) })));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Step_completed_with_attempt_below_one_is_rejected(int attempt)
    {
        Assert.Equal(["Attempt"], Failures(new StepCompletedValidator().Validate(ValidCompleted with { Attempt = attempt })));
    }

    [Fact]
    public void Step_failed_with_an_empty_saga_id_is_rejected()
    {
        Assert.Equal(["SagaId"], Failures(new StepFailedValidator().Validate(ValidFailed with { SagaId = Guid.Empty })));
    }

    [Fact]
    public void Step_failed_with_an_empty_step_is_rejected()
    {
        Assert.Equal(["Step"], Failures(new StepFailedValidator().Validate(ValidFailed with { Step = "" })));
    }

    [Fact]
    public void Step_failed_with_attempt_zero_is_rejected()
    {
        Assert.Equal(["Attempt"], Failures(new StepFailedValidator().Validate(ValidFailed with { Attempt = 0 })));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void Step_failed_with_an_empty_reason_is_rejected(string? reason)
    {
        Assert.Equal(["Reason"], Failures(new StepFailedValidator().Validate(ValidFailed with { Reason = reason! })));
    }

    [Fact]
    public void Step_failed_with_every_field_wrong_lists_every_rule()
    {
        var result = new StepFailedValidator().Validate(new StepFailed(Guid.Empty, "", 0, false, "", false));

        Assert.Equal(["SagaId", "Step", "Attempt", "Reason"], Failures(result));
    }

    [Fact]
    public void Step_reply_types_are_versioned_cloudevents_types()
    {
        var registry = new ContractRegistry().AddStepContracts();

        Assert.Equal("dev.sagas.step.completed.v1", registry.Get(typeof(StepCompleted)).EventType);
        Assert.Equal("dev.sagas.step.failed.v1", registry.Get(typeof(StepFailed)).EventType);
    }

    [Fact]
    public void Step_completed_round_trips_with_its_json_result()
    {
        var converter = new CloudEventConverter(new ContractRegistry().AddStepContracts());
        var completed = ValidCompleted with { Result = JsonElement.Parse("""{"receipt":"rcpt-1","amount":25.5}""") };

        var cloudEvent = converter.DecodeStructured(converter.EncodeStructured(converter.ToCloudEvent(completed, new EventMetadata { Id = "r-1", Source = new Uri("/steps", UriKind.Relative) })));
        var decoded = Assert.IsType<StepCompleted>(converter.Decode(cloudEvent).Message);

        Assert.Equal((ValidCompleted.SagaId, ValidCompleted.Step, ValidCompleted.Attempt, ValidCompleted.Compensation), (decoded.SagaId, decoded.Step, decoded.Attempt, decoded.Compensation));
        Assert.True(JsonElement.DeepEquals(completed.Result!.Value, decoded.Result!.Value));
    }

    [Fact]
    public void Step_failed_reply_with_attempt_zero_is_rejected_at_the_edge()
    {
        var converter = new CloudEventConverter(new ContractRegistry().AddStepContracts());
        var json = """
            {"specversion":"1.0","type":"dev.sagas.step.failed.v1","source":"urn:python:inventory","id":"r-2",
             "data":{"sagaId":"5b1c7e0e-2d8f-4c55-9a43-0f3c2b1d9e77","step":"reserve-stock","attempt":0,"compensation":false,"reason":"","permanent":true}}
            """;

        var rejected = Assert.Throws<CloudEventRejectedException>(() => converter.Decode(converter.DecodeStructured(Encoding.UTF8.GetBytes(json))));

        Assert.Equal("dev.sagas.step.failed.v1", rejected.EventType);
        Assert.Collection(
            rejected.Reasons,
            reason => Assert.StartsWith("Attempt: ", reason, StringComparison.Ordinal),
            reason => Assert.StartsWith("Reason: ", reason, StringComparison.Ordinal));
    }

    private static string[] Failures(FluentValidation.Results.ValidationResult result) => [.. result.Errors.Select(e => e.PropertyName).Distinct()];
}

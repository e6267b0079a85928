using Sagas.Steps;

namespace Sagas.Contracts.Tests.Steps;

public class StepOutcomeTests
{
    [Fact]
    public void Result_converts_implicitly_to_a_successful_outcome()
    {
        StepOutcome<Receipt> outcome = new Receipt("rcpt-1");

        Assert.True(outcome.Succeeded);
        Assert.Equal(new Receipt("rcpt-1"), outcome.Result);
        Assert.Null(outcome.FailureReason);
    }

    [Fact]
    public void Failure_converts_implicitly_to_a_failed_outcome_of_any_result_type()
    {
        StepOutcome<Receipt> receipt = StepOutcome.Fail("card declined");
        StepOutcome<Done> done = StepOutcome.Fail("out of stock");

        Assert.False(receipt.Succeeded);
        Assert.Equal("card declined", receipt.FailureReason);
        Assert.Null(receipt.Result);
        Assert.False(done.Succeeded);
        Assert.Equal("out of stock", done.FailureReason);
    }

    [Fact]
    public void Success_helper_builds_a_successful_outcome()
    {
        var outcome = StepOutcome.Success(Done.Value);

        Assert.True(outcome.Succeeded);
        Assert.Equal(Done.Value, outcome.Result);
    }

    [Fact]
    public void Success_may_carry_a_null_result()
    {
        var outcome = StepOutcome.Success<Receipt?>(null);

        Assert.True(outcome.Succeeded);
        Assert.Null(outcome.Result);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Failure_without_a_reason_is_refused(string reason)
    {
        Assert.Throws<ArgumentException>(() => StepOutcome.Fail(reason));
    }

    [Fact]
    public void Failure_built_without_the_helper_still_converts_to_a_failed_outcome()
    {
        // A StepFailure is a failure whatever its reason: new StepFailure() (Reason null) must not read as success.
        StepOutcome<Receipt> outcome = new StepFailure();

        Assert.False(outcome.Succeeded);
        Assert.False(string.IsNullOrWhiteSpace(outcome.FailureReason));
    }

    [Fact]
    public async Task Handler_returns_results_and_failures_through_the_implicit_conversions()
    {
        var handler = new ChargeCard();

        var charged = await handler.HandleAsync(new Charge(25m), new StepContext(Guid.NewGuid(), "charge-card", 1, false));
        var declined = await handler.HandleAsync(new Charge(5000m), new StepContext(Guid.NewGuid(), "charge-card", 1, false));

        Assert.True(charged.Succeeded);
        Assert.Equal("rcpt-25", charged.Result?.Id);
        Assert.False(declined.Succeeded);
        Assert.Equal("amount over the card limit", declined.FailureReason);
    }

    public sealed record Receipt(string Id);

    public sealed record Charge(decimal Amount);

    private sealed class ChargeCard : IStepHandler<Charge, Receipt>
    {
        public async ValueTask<StepOutcome<Receipt>> HandleAsync(Charge command, StepContext context)
        {
            await Task.Yield();
            if (command.Amount > 1000m)
            {
                return StepOutcome.Fail("amount over the card limit");
            }

            return new Receipt($"rcpt-{command.Amount:0}");
        }
    }
}

using System.Text.Json;
using Sagas.Steps;

namespace Sagas.Contracts.Tests.Steps;

/// <summary>Every executor's replies come from StepReplies: one reading of what a step's outcome means for the saga.</summary>
public class StepRepliesTests
{
    private static readonly StepContext Step = new(Guid.Parse("5b1c7e0e-2d8f-4c55-9a43-0f3c2b1d9e77"), "ChargePayment", 2, isCompensation: true);

    [Fact]
    public void A_result_is_a_completion_of_the_same_step_attempt_and_direction()
    {
        var result = JsonSerializer.SerializeToElement(new { paymentId = "P-1" });

        var reply = Assert.IsType<StepCompleted>(StepReplies.Outcome(Step, result, failureReason: null));

        Assert.Equal((Step.SagaId, "ChargePayment", 2, true), (reply.SagaId, reply.Step, reply.Attempt, reply.Compensation));
        Assert.Equal("P-1", reply.Result!.Value.GetProperty("paymentId").GetString());
    }

    [Fact]
    public void A_reported_failure_is_permanent_with_the_handlers_reason()
    {
        var reply = Assert.IsType<StepFailed>(StepReplies.Outcome(Step, result: null, "card declined"));

        Assert.Equal(new StepFailed(Step.SagaId, "ChargePayment", 2, true, "card declined", Permanent: true), reply);
    }

    [Fact]
    public void An_exception_is_transient_and_counts_as_an_attempt()
    {
        var reply = StepReplies.Threw(Step, new TimeoutException("the bank did not answer"));

        Assert.Equal(new StepFailed(Step.SagaId, "ChargePayment", 2, true, "TimeoutException: the bank did not answer", Permanent: false), reply);
    }

    [Fact]
    public void An_unreachable_host_is_transient_and_spends_no_attempt_with_its_wait_and_budget_in_milliseconds()
    {
        var reply = StepReplies.Unavailable(Step, new HttpRequestException("Connection refused"), TimeSpan.FromSeconds(4.0001), TimeSpan.FromMinutes(2));

        Assert.Equal(new StepFailed(Step.SagaId, "ChargePayment", 2, true, "HttpRequestException: Connection refused", Permanent: false, Unavailable: true, RetryAfterMs: 4001, OutageBudgetMs: 120_000), reply);
    }
}

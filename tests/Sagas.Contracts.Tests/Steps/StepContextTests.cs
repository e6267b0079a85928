using Sagas.Steps;

namespace Sagas.Contracts.Tests.Steps;

public class StepContextTests
{
    private static readonly Guid SagaId = Guid.Parse("5b1c7e0e-2d8f-4c55-9a43-0f3c2b1d9e77");

    [Fact]
    public void Idempotency_key_is_the_same_for_every_attempt_of_a_step()
    {
        var first = new StepContext(SagaId, "charge-card", attempt: 1, isCompensation: false);
        var retry = new StepContext(SagaId, "charge-card", attempt: 2, isCompensation: false);

        Assert.Equal(first.IdempotencyKey, retry.IdempotencyKey);
        Assert.Equal("5b1c7e0e2d8f4c559a430f3c2b1d9e77:charge-card", first.IdempotencyKey);
    }

    [Fact]
    public void Idempotency_key_of_the_compensation_differs_from_the_step_and_is_the_same_across_its_attempts()
    {
        var step = new StepContext(SagaId, "charge-card", attempt: 1, isCompensation: false);
        var compensation = new StepContext(SagaId, "charge-card", attempt: 1, isCompensation: true);
        var compensationRetry = new StepContext(SagaId, "charge-card", attempt: 3, isCompensation: true);

        Assert.NotEqual(step.IdempotencyKey, compensation.IdempotencyKey);
        Assert.Equal(compensation.IdempotencyKey, compensationRetry.IdempotencyKey);
        Assert.Equal("5b1c7e0e2d8f4c559a430f3c2b1d9e77:charge-card:compensate", compensation.IdempotencyKey);
    }

    [Fact]
    public void Idempotency_key_differs_between_steps_and_between_sagas()
    {
        var key = StepContext.CreateIdempotencyKey(SagaId, "charge-card", false);

        Assert.NotEqual(key, StepContext.CreateIdempotencyKey(SagaId, "reserve-stock", false));
        Assert.NotEqual(key, StepContext.CreateIdempotencyKey(Guid.NewGuid(), "charge-card", false));
        Assert.Equal(key, new StepContext(SagaId, "charge-card", 5, false).IdempotencyKey);
    }

    [Fact]
    public void Context_exposes_what_it_was_created_with()
    {
        using var cancellation = new CancellationTokenSource();

        var context = new StepContext(SagaId, "charge-card", 2, true, cancellation.Token);

        Assert.Equal((SagaId, "charge-card", 2, true, cancellation.Token), (context.SagaId, context.Step, context.Attempt, context.IsCompensation, context.CancellationToken));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Attempt_below_one_is_refused(int attempt)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new StepContext(SagaId, "charge-card", attempt, false));

        Assert.Equal("attempt", error.ParamName);
    }

    [Fact]
    public void Empty_step_name_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new StepContext(SagaId, "", 1, false));
        Assert.Throws<ArgumentNullException>(() => new StepContext(SagaId, null!, 1, false));
    }
}

using Sagas.Steps;
using Sagas.Tests.Onboarding;

namespace Sagas.Tests.Steps;

public sealed class StepPlanBuilderTests
{
    [Fact]
    public void A_compensatable_step_after_the_pivot_is_refused_with_the_rule()
    {
        var plan = new StepPlanBuilder<OnboardingState>()
            .Pivot<CreateAccount, Done>("Create", s => new CreateAccount(s.CorrelationId, s.Email));

        var error = Assert.Throws<InvalidOperationException>(() => plan.Compensatable<CreateAccount, Done, DeleteAccount>("Again", s => new CreateAccount(s.CorrelationId, s.Email), s => new DeleteAccount(s.CorrelationId)));

        Assert.Equal("Step 'Again' (Compensatable) cannot follow step 'Create' (Pivot): declare compensatable steps first, then the pivot, then retriable steps.", error.Message);
    }

    [Fact]
    public void A_second_pivot_is_refused()
    {
        var plan = new StepPlanBuilder<OnboardingState>().Pivot<CreateAccount, Done>("One", s => new CreateAccount(s.CorrelationId, s.Email));

        var error = Assert.Throws<InvalidOperationException>(() => plan.Pivot<CreateAccount, Done>("Two", s => new CreateAccount(s.CorrelationId, s.Email)));

        Assert.Equal("Step 'Two': a saga has at most one pivot.", error.Message);
    }

    [Fact]
    public void A_duplicate_step_name_is_refused()
    {
        var plan = new StepPlanBuilder<OnboardingState>().Retriable<SendWelcome, Done>("Welcome", s => new SendWelcome(s.CorrelationId, s.Email));

        var error = Assert.Throws<InvalidOperationException>(() => plan.Retriable<SendWelcome, Done>("Welcome", s => new SendWelcome(s.CorrelationId, s.Email)));

        Assert.Equal("Step 'Welcome' is declared twice.", error.Message);
    }

    [Theory]
    [InlineData(0, "Step 'Welcome': Retry.MaxAttempts must be at least 1, got 0.")]
    [InlineData(-1, "Step 'Welcome': Deadline must be positive, got -00:00:01.")]
    public void Invalid_options_are_refused_naming_the_setting(int value, string message)
    {
        var plan = new StepPlanBuilder<OnboardingState>();

        var error = Assert.Throws<InvalidOperationException>(() => plan.Retriable<SendWelcome, Done>(
            "Welcome",
            s => new SendWelcome(s.CorrelationId, s.Email),
            configure: o =>
            {
                if (value < 0)
                {
                    o.Deadline = TimeSpan.FromSeconds(value);
                }
                else
                {
                    o.Retry = new StepRetryOptions { MaxAttempts = value };
                }
            }));

        Assert.Equal(message, error.Message);
    }
}

using System.Collections.Concurrent;
using MassTransit;
using Sagas.Contracts;
using Sagas.Steps;

namespace Sagas.Tests.Onboarding;

// A small saga used across the core tests: create an account (compensatable), then send a welcome mail (retriable).

[CloudEventContract("com.example.onboarding.signup-received", 1)]
public sealed record SignupReceived(Guid AccountId, string Email);

[CloudEventContract("com.example.onboarding.create-account", 1)]
public sealed record CreateAccount(Guid AccountId, string Email);

[CloudEventContract("com.example.onboarding.delete-account", 1)]
public sealed record DeleteAccount(Guid AccountId);

[CloudEventContract("com.example.onboarding.send-welcome", 1)]
public sealed record SendWelcome(Guid AccountId, string Email);

[CloudEventContract("com.example.onboarding.points-awarded", 1)]
public sealed record PointsAwarded(Guid AccountId, int Points);

[CloudEventContract("com.example.onboarding.email-changed", 1)]
public sealed record EmailChanged(Guid AccountId, string Email);

[CloudEventContract("com.example.onboarding.audit-requested", 1)]
public sealed record AuditRequested(Guid AccountId);

public sealed class OnboardingState : StepSagaState
{
    public string Email { get; set; } = string.Empty;

    public int Points { get; set; }
}

public sealed class OnboardingSaga : StepSagaStateMachine<OnboardingState>
{
    public OnboardingSaga()
    {
        Event(() => Signup, e => e.CorrelateById(m => m.Message.AccountId));
        Event(() => Points, e => e.CorrelateById(m => m.Message.AccountId));
        Event(() => Audit, e => e.CorrelateById(m => m.Message.AccountId));
        Event(() => EmailChange, e => e.CorrelateById(m => m.Message.AccountId));

        Steps(plan => plan
            .Compensatable<CreateAccount, Done, DeleteAccount>("CreateAccount", s => new CreateAccount(s.CorrelationId, s.Email), s => new DeleteAccount(s.CorrelationId))
            .Retriable<SendWelcome, Done>("SendWelcome", s => new SendWelcome(s.CorrelationId, s.Email)));

        Initially(When(Signup).Then(c => c.Saga.Email = c.Message.Email).ThenAsync(BeginStepsAsync));
        DuringAny(
            When(Points).Then(c => c.Saga.Points += c.Message.Points),
            When(EmailChange).Then(c => c.Saga.Email = c.Saga.Email != c.Message.Email
                ? c.Message.Email
                : throw new InvalidOperationException($"{c.Message.Email} is the account's email already")),
            When(Audit).ThenAsync(async c =>
            {
                await c.Publish(new SendWelcome(c.Saga.CorrelationId, c.Saga.Email));
                throw new InvalidOperationException("audit store unavailable");
            }));
    }

    public Event<SignupReceived> Signup { get; private set; } = null!;

    public Event<PointsAwarded> Points { get; private set; } = null!;

    public Event<EmailChanged> EmailChange { get; private set; } = null!;

    public Event<AuditRequested> Audit { get; private set; } = null!;
}

/// <summary>Counts handler calls per command type.</summary>
public sealed class Calls
{
    private readonly ConcurrentDictionary<string, int> _calls = new();

    public int this[string name] => _calls.GetValueOrDefault(name);

    public void Add(string name) => _calls.AddOrUpdate(name, 1, (_, n) => n + 1);
}

public sealed class CreateAccountHandler(Calls calls) : IStepHandler<CreateAccount, Done>
{
    public ValueTask<StepOutcome<Done>> HandleAsync(CreateAccount command, StepContext context)
    {
        calls.Add(nameof(CreateAccount));
        return ValueTask.FromResult<StepOutcome<Done>>(Done.Value);
    }
}

public sealed class DeleteAccountHandler(Calls calls) : IStepHandler<DeleteAccount, Done>
{
    public ValueTask<StepOutcome<Done>> HandleAsync(DeleteAccount command, StepContext context)
    {
        calls.Add(nameof(DeleteAccount));
        return ValueTask.FromResult<StepOutcome<Done>>(Done.Value);
    }
}

public sealed class SendWelcomeHandler(Calls calls) : IStepHandler<SendWelcome, Done>
{
    public ValueTask<StepOutcome<Done>> HandleAsync(SendWelcome command, StepContext context)
    {
        calls.Add(nameof(SendWelcome));
        return ValueTask.FromResult<StepOutcome<Done>>(Done.Value);
    }
}

public static class Onboarding
{
    public static SagasBuilder AddOnboarding(this SagasBuilder sagas)
    {
        sagas.Services.AddSingletonIfMissing<Calls>();
        return sagas
            .AddContracts(c => c.Add<SignupReceived>().Add<CreateAccount>().Add<DeleteAccount>().Add<SendWelcome>().Add<PointsAwarded>().Add<EmailChanged>().Add<AuditRequested>())
            .AddSaga<OnboardingSaga, OnboardingState>()
            .AddStep<CreateAccount, Done, CreateAccountHandler>()
            .AddStep<DeleteAccount, Done, DeleteAccountHandler>()
            .AddStep<SendWelcome, Done, SendWelcomeHandler>();
    }

    private static void AddSingletonIfMissing<T>(this Microsoft.Extensions.DependencyInjection.IServiceCollection services)
        where T : class
        => Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.TryAddSingleton<T>(services);
}

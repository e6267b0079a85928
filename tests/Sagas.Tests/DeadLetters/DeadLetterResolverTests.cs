using FluentValidation;
using Microsoft.Extensions.DependencyInjection;
using Sagas.DeadLetters;
using Sagas.Testing;
using Sagas.Tests.Onboarding;

namespace Sagas.Tests.DeadLetters;

public sealed class When_an_operator_redelivers_a_dead_letter_after_fixing_its_cause
{
    [Fact]
    public async Task The_event_is_received_again_as_it_was_and_handled_once_however_often_it_is_asked()
    {
        var rule = new SignupRule();
        await using var host = await DeadLetterHost.StartAsync(rule);
        var accountId = Guid.NewGuid();
        await host.SendRawAsync("onboarding-state", host.ToCloudEventJson(new SignupReceived(accountId, "ann@new.example"), "signup-1", subject: accountId));
        var deadLetter = await DeadLetterHost.WaitForDeadLetterAsync(host, "signup-1");
        Assert.Contains("Email: new.example addresses are not accepted yet", deadLetter.Reasons);
        Assert.Null(host.Watcher<OnboardingState>().Latest(accountId));

        rule.AcceptNewDomain = true; // the fix, deployed
        var resolver = host.Services.GetRequiredService<IDeadLetterResolver>();
        Assert.Equal(DeadLetterOutcome.Resolved, await resolver.RedeliverAsync(deadLetter.Id, "ops: new.example accepted since 1.4.2", default));
        await host.Watcher<OnboardingState>().WaitAsync(accountId, s => s.CurrentState == "Completed");

        Assert.Equal(DeadLetterOutcome.AlreadyResolved, await resolver.RedeliverAsync(deadLetter.Id, "ops: once more", default));
        Assert.Equal(DeadLetterOutcome.AlreadyResolved, await resolver.DiscardAsync(deadLetter.Id, "ops: never mind", default));
        var resolved = Assert.Single(await host.DeadLettersAsync());
        Assert.Equal(DeadLetterAction.Redelivered, resolved.Resolution!.Action);
        Assert.Equal("ops: new.example accepted since 1.4.2", resolved.Resolution.Note);
        Assert.Equal(host.Time.GetUtcNow(), resolved.Resolution.At);
        Assert.Equal(1, host.Services.GetRequiredService<Calls>()["CreateAccount"]); // one saga, one account
    }

    [Fact]
    public async Task A_redelivery_whose_cause_is_not_fixed_is_dead_lettered_again_and_the_first_record_says_redelivered()
    {
        await using var host = await DeadLetterHost.StartAsync();
        var accountId = Guid.NewGuid();
        await host.SendRawAsync("onboarding-state", host.ToCloudEventJson(new SignupReceived(accountId, "bob@new.example"), "signup-2", subject: accountId));
        var first = await DeadLetterHost.WaitForDeadLetterAsync(host, "signup-2");

        await host.Services.GetRequiredService<IDeadLetterResolver>().RedeliverAsync(first.Id, "ops: trying again", default);

        var again = await DeadLetterHost.WaitForDeadLetterAsync(host, "signup-2", open: true);
        Assert.NotEqual(first.Id, again.Id);
        Assert.Equal(first.Body, again.Body); // as received, unchanged
        Assert.Equal(DeadLetterAction.Redelivered, (await host.DeadLettersAsync()).Single(d => d.Id == first.Id).Resolution!.Action);
    }
}

public sealed class When_the_process_stops_between_a_redelivery_and_its_mark
{
    [Fact]
    public async Task Redelivering_again_sends_nothing_new_and_closes_the_dead_letter()
    {
        var rule = new SignupRule();
        var store = new StoreThatFailsTheFirstResolve();
        await using var host = await SagaTestHost.StartAsync(
            sagas => sagas.AddOnboarding().AddContracts(c => c.Add(rule)),
            services =>
            {
                SagaTestHost.AddWatcher<OnboardingState>(services);
                services.AddSingleton<IDeadLetterStore>(store);
            });
        var accountId = Guid.NewGuid();
        await host.SendRawAsync("onboarding-state", host.ToCloudEventJson(new SignupReceived(accountId, "dee@new.example"), "signup-4", subject: accountId));
        var deadLetter = await DeadLetterHost.WaitForDeadLetterAsync(host, "signup-4");
        rule.AcceptNewDomain = true;
        var resolver = host.Services.GetRequiredService<IDeadLetterResolver>();

        await Assert.ThrowsAsync<TimeoutException>(() => resolver.RedeliverAsync(deadLetter.Id, "ops: first try", default)); // committed and sent, not marked
        await host.Watcher<OnboardingState>().WaitAsync(accountId, s => s.CurrentState == "Completed");
        Assert.Null((await store.FindAsync(deadLetter.Id, default))!.Resolution);

        Assert.Equal(DeadLetterOutcome.Resolved, await resolver.RedeliverAsync(deadLetter.Id, "ops: second try", default));
        await Task.Delay(200);
        Assert.Equal(1, host.Services.GetRequiredService<Calls>()["CreateAccount"]); // sent once: the second commit was a duplicate
        Assert.Equal("ops: second try", (await store.FindAsync(deadLetter.Id, default))!.Resolution!.Note);
    }

    /// <summary>Dead letters in memory whose first resolution fails, as a database lost after the outbox commit would.</summary>
    private sealed class StoreThatFailsTheFirstResolve : IDeadLetterStore
    {
        private readonly InMemoryDeadLetterStore _inner = new();
        private int _resolves;

        public ValueTask AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken) => _inner.AddAsync(deadLetter, cancellationToken);

        public ValueTask<DeadLetterPage> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken) => _inner.ListAsync(query, cancellationToken);

        public ValueTask<DeadLetter?> FindAsync(Guid id, CancellationToken cancellationToken) => _inner.FindAsync(id, cancellationToken);

        public ValueTask<bool> ResolveAsync(Guid id, DeadLetterResolution resolution, CancellationToken cancellationToken)
            => Interlocked.Increment(ref _resolves) == 1 ? throw new TimeoutException("the database went away") : _inner.ResolveAsync(id, resolution, cancellationToken);
    }
}

public sealed class When_an_operator_discards_a_dead_letter
{
    [Fact]
    public async Task Nothing_is_sent_and_the_record_keeps_who_and_why_off_the_open_list()
    {
        await using var host = await DeadLetterHost.StartAsync();
        var accountId = Guid.NewGuid();
        await host.SendRawAsync("onboarding-state", host.ToCloudEventJson(new SignupReceived(accountId, "cy@new.example"), "signup-3", subject: accountId));
        var deadLetter = await DeadLetterHost.WaitForDeadLetterAsync(host, "signup-3");
        var resolver = host.Services.GetRequiredService<IDeadLetterResolver>();

        Assert.Equal(DeadLetterOutcome.Resolved, await resolver.DiscardAsync(deadLetter.Id, "ops: test sign-up from the load test", default));
        Assert.Equal(DeadLetterOutcome.NotFound, await resolver.DiscardAsync(Guid.CreateVersion7(), "ops: no such", default));
        Assert.Equal(DeadLetterOutcome.NotFound, await resolver.RedeliverAsync(Guid.CreateVersion7(), "ops: no such", default));

        var store = host.Services.GetRequiredService<IDeadLetterStore>();
        Assert.Empty((await store.ListAsync(new DeadLetterQuery(), default)).Items);
        var discarded = Assert.Single(await host.DeadLettersAsync());
        Assert.Equal(new DeadLetterResolution(DeadLetterAction.Discarded, host.Time.GetUtcNow(), "ops: test sign-up from the load test"), discarded.Resolution);
        await Task.Delay(200);
        Assert.Null(host.Watcher<OnboardingState>().Latest(accountId)); // nothing was sent
        Assert.Single(await host.DeadLettersAsync());
    }
}

/// <summary>The onboarding with a sign-up rule that refuses new.example addresses until the fix turns it off.</summary>
internal static class DeadLetterHost
{
    public static Task<SagaTestHost> StartAsync() => StartAsync(new SignupRule());

    public static Task<SagaTestHost> StartAsync(SignupRule rule)
        => SagaTestHost.StartAsync(sagas => sagas.AddOnboarding().AddContracts(c => c.Add(rule)), SagaTestHost.AddWatcher<OnboardingState>);

    /// <summary>Waits until the observer has recorded a dead letter of <paramref name="eventId"/> (the open one, when asked).</summary>
    public static async Task<DeadLetter> WaitForDeadLetterAsync(SagaTestHost host, string eventId, bool open = false)
    {
        for (var i = 0; i < 100; i++)
        {
            var found = (await host.DeadLettersAsync()).Where(d => d.EventId == eventId && (!open || d.Resolution is null)).ToList();
            if (found.Count > 0)
            {
                return Assert.Single(found);
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"No dead letter of {eventId} was recorded.");
    }
}

/// <summary>A sign-up validator whose new.example rule is switched off by the fix.</summary>
internal sealed class SignupRule : AbstractValidator<SignupReceived>
{
    public SignupRule()
        => RuleFor(x => x.Email)
            .Must(email => AcceptNewDomain || !email.EndsWith("@new.example", StringComparison.Ordinal))
            .WithMessage("new.example addresses are not accepted yet");

    public bool AcceptNewDomain { get; set; }
}

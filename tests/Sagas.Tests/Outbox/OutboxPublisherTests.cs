using Microsoft.Extensions.DependencyInjection;
using Sagas.Outbox;
using Sagas.Testing;
using Sagas.Tests.Onboarding;

namespace Sagas.Tests.Outbox;

public sealed class When_code_outside_a_consumer_publishes_through_the_outbox
{
    [Fact]
    public async Task The_event_starts_the_saga_and_the_same_idempotency_key_publishes_nothing_twice()
    {
        await using var host = await SagaTestHost.StartAsync(sagas => sagas.AddOnboarding(), SagaTestHost.AddWatcher<OnboardingState>);
        var publisher = host.Services.GetRequiredService<IOutboxPublisher>();
        var accountId = Guid.NewGuid();

        Assert.True(await publisher.PublishAsync(new SignupReceived(accountId, "ada@example.com"), $"signup-{accountId}"));
        Assert.False(await publisher.PublishAsync(new SignupReceived(accountId, "ada@example.com"), $"signup-{accountId}"));
        await host.Watcher<OnboardingState>().WaitAsync(accountId, s => s.CurrentState == "Completed");

        Assert.Equal(1, host.Services.GetRequiredService<Calls>()[nameof(CreateAccount)]);
        Assert.Empty(await host.DeliveredAsync());
    }

    [Fact]
    public async Task A_type_that_is_not_a_contract_is_refused_with_its_name()
    {
        await using var host = await SagaTestHost.StartAsync(sagas => sagas.AddOnboarding());
        var publisher = host.Services.GetRequiredService<IOutboxPublisher>();

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => publisher.PublishAsync(new NotAContract("x"), "key-1"));
        Assert.Contains(nameof(NotAContract), refused.Message, StringComparison.Ordinal);
    }

    public sealed record NotAContract(string Value);
}

using Sagas.Testing;
using Sagas.Tests.Onboarding;

namespace Sagas.Tests.Steps;

public sealed class When_a_step_command_lacks_the_saga_attributes
{
    [Fact]
    public async Task It_is_dead_lettered_naming_the_missing_attribute()
    {
        await using var host = await SagaTestHost.StartAsync(sagas => sagas.AddOnboarding(), SagaTestHost.AddWatcher<OnboardingState>);
        var accountId = Guid.NewGuid();

        // A CreateAccount command from a producer that is not a saga: subject present, no sagastep.
        await host.SendRawAsync("create-account", host.ToCloudEventJson(new CreateAccount(accountId, "ada@example.com"), "cmd-1", subject: accountId));
        // A saga run afterwards goes through the same endpoint, so the rejected command was handled first.
        await host.Bus.Publish(new SignupReceived(accountId, "ada@example.com"));
        await host.Watcher<OnboardingState>().WaitAsync(accountId, s => s.CurrentState == "Completed");

        var deadLetter = Assert.Single(await host.DeadLettersAsync());
        Assert.Equal("create-account", deadLetter.Endpoint);
        Assert.Equal("cmd-1", deadLetter.EventId);
        Assert.Equal(
            ["a step command needs the 'sagastep' attribute (the name of the saga step)", "a step command needs the 'sagaattempt' attribute (the attempt number, from 1)"],
            deadLetter.Reasons); // every problem, in the words of the one step wire contract (StepCommandAttributes)
    }
}

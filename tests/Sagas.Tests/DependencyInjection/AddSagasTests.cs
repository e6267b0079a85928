using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sagas.Tests.Onboarding;

namespace Sagas.Tests.DependencyInjection;

public sealed class AddSagasTests
{
    [Fact]
    public void A_second_call_is_refused_with_a_clear_message()
    {
        var services = new ServiceCollection();
        services.AddSagas(sagas => sagas.AddOnboarding());

        var error = Assert.Throws<InvalidOperationException>(() => services.AddSagas(sagas => sagas.AddOnboarding()));

        Assert.Contains("already called", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_options_fail_at_start_naming_the_setting()
    {
        var services = new ServiceCollection();
        services.AddSagas(sagas => sagas.AddOnboarding().Configure(o => o.InboxRetention = TimeSpan.Zero));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IOptions<SagasOptions>>().Value);

        Assert.Equal("SagasOptions.InboxRetention must be positive, got 00:00:00.", error.Message);
    }

    [Fact]
    public void Registering_a_contract_without_the_attribute_names_the_fix()
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<InvalidOperationException>(() => services.AddSagas(sagas => sagas.AddContracts(c => c.Add<OnboardingState>())));

        Assert.Contains("[CloudEventContract(", error.Message, StringComparison.Ordinal);
    }
}

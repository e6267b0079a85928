using Checkout.Steps.CrmUpdates;
using Checkout.Steps.Effects;
using Checkout.Steps.Sandbox;

namespace Checkout.Tests.Steps;

public sealed class When_the_sandbox_crm_is_called
{
    private readonly RecordedEffects _effects = new();

    [Fact]
    public void A_flaky_customer_gets_503_twice_per_update_then_204_and_the_update_is_recorded_once()
    {
        var crm = new SandboxCrm(_effects);
        var update = new CrmOrderUpdate(Guid.CreateVersion7(), "crm-flaky-1", 10m);

        int[] answers = [crm.Handle(update, "k1"), crm.Handle(update, "k1"), crm.Handle(update, "k1"), crm.Handle(update, "k1")];

        Assert.Equal([503, 503, 204, 204], answers);
        Assert.Equal([(update.OrderId, StepEffectNames.CrmUpdated)], _effects.All);
    }

    [Fact]
    public void A_customer_whose_crm_is_down_always_gets_503_and_nothing_is_recorded()
    {
        var crm = new SandboxCrm(_effects);
        var update = new CrmOrderUpdate(Guid.CreateVersion7(), "crm-down-1", 10m);

        Assert.All(Enumerable.Range(0, 5).Select(_ => crm.Handle(update, "k2")), status => Assert.Equal(503, status));
        Assert.Empty(_effects.All);
        Assert.False(crm.HasAccepted("k2"));
    }

    [Fact]
    public void Other_customers_get_204_and_a_repeated_key_is_not_recorded_twice()
    {
        var crm = new SandboxCrm(_effects);
        var update = new CrmOrderUpdate(Guid.CreateVersion7(), "customer-1", 10m);

        Assert.Equal(204, crm.Handle(update, "k3"));
        Assert.Equal(204, crm.Handle(update, "k3"));
        Assert.Equal(204, crm.Handle(update with { OrderId = Guid.CreateVersion7() }, "k4"));

        Assert.Equal(2, crm.AcceptedCount);
        Assert.Equal(2, _effects.All.Count);
    }
}

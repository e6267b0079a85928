using Sagas.Gateway;
using Sagas.Placement;

namespace Sagas.Tests.Placement;

public sealed class When_a_routed_command_chooses_its_host
{
    private static readonly Uri Function = new("http://invoice-fn/steps");

    [Theory]
    //          size  function's limit  function's circuit open   chosen           why the ones before were passed
    [InlineData(500, null, false, "http://invoice-fn/steps", null)]
    [InlineData(500, 1024, false, "http://invoice-fn/steps", null)]
    [InlineData(4000, 1024, false, "channel 'invoices'", "the command's 4000 bytes are over http://invoice-fn/steps's 1024")]
    [InlineData(500, null, true, "channel 'invoices'", "http://invoice-fn/steps's circuit is open")]
    public void The_first_host_that_takes_it_with_its_circuit_closed_is_chosen(long size, int? limit, bool open, string chosen, string? passed)
    {
        var route = new StepRoute { Http = Function, MaxPayloadBytes = limit, Alternates = { new StepRoute { Channel = "invoices" } } };

        var choice = StepHosts.Choose(route, size, host => open && host == route);

        Assert.Equal(chosen, StepHosts.Describe(choice.Host!));
        Assert.Equal(passed, choice.Passed);
    }

    [Fact]
    public void With_every_circuit_open_none_is_chosen_and_the_first_that_takes_it_is_named_as_fitting()
    {
        var route = new StepRoute { Http = Function, MaxPayloadBytes = 64, Alternates = { new StepRoute { Http = new Uri("http://big-fn/steps") } } };

        var choice = StepHosts.Choose(route, 500, _ => true);

        Assert.Null(choice.Host);
        Assert.Same(route.Alternates[0], choice.Fitting);
        Assert.Equal("the command's 500 bytes are over http://invoice-fn/steps's 64; http://big-fn/steps's circuit is open", choice.Passed);
    }

    [Fact]
    public void A_command_no_host_takes_has_neither_a_choice_nor_a_fitting_host()
    {
        var route = new StepRoute { Http = Function, MaxPayloadBytes = 64, Alternates = { new StepRoute { Channel = "invoices", MaxPayloadBytes = 128 } } };

        var choice = StepHosts.Choose(route, 500, _ => false);

        Assert.Equal((null, null), (choice.Host, choice.Fitting));
        Assert.Equal("the command's 500 bytes are over http://invoice-fn/steps's 64; the command's 500 bytes are over channel 'invoices''s 128", choice.Passed);
    }

    [Fact]
    public void A_route_with_one_host_names_it_the_overflow_host()
    {
        var route = new StepRoute { Http = Function, MaxPayloadBytes = 64 };

        var choice = StepHosts.Choose(route, 500, _ => false);

        Assert.Null(choice.Host);
        Assert.Equal("the command's 500 bytes are over the overflow host's 64", choice.Passed);
    }
}

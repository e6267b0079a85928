using Checkout.Steps;

namespace Checkout.Tests.Steps;

public sealed class When_the_checkout_step_options_are_validated
{
    [Fact]
    public void The_defaults_with_a_crm_url_are_valid()
    {
        var result = new CheckoutStepsOptionsValidator().Validate(null, new CheckoutStepsOptions { CrmUrl = new Uri("/sandbox/crm", UriKind.Relative) });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Every_wrong_setting_is_named()
    {
        var options = new CheckoutStepsOptions
        {
            CrmUrl = new Uri("ftp://crm.example.com/orders"),
            CrmTimeout = TimeSpan.Zero,
            CrmRetries = 11,
            CrmRetryDelay = TimeSpan.FromMilliseconds(-1),
        };

        var result = new CheckoutStepsOptionsValidator().Validate(null, options);

        Assert.Equal(
            [
                "Checkout:CrmUrl must be an http or https URL, got 'ftp://crm.example.com/orders'.",
                "Checkout:CrmTimeout must be positive.",
                "Checkout:CrmRetries must be between 0 and 10, got 11.",
                "Checkout:CrmRetryDelay must be between 00:00:00 and 00:00:10, got -00:00:00.0010000.",
            ],
            result.Failures);
    }
}

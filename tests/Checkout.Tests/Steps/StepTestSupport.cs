using Checkout.Steps;
using Checkout.Steps.Effects;
using Microsoft.Extensions.Options;
using Sagas.Steps;

namespace Checkout.Tests.Steps;

/// <summary>A temporary folder per test, deleted afterwards.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "checkout-steps-tests", Guid.NewGuid().ToString("N"));

    public IOptions<CheckoutStepsOptions> Options(Action<CheckoutStepsOptions>? configure = null)
    {
        var options = new CheckoutStepsOptions
        {
            OutputDirectory = System.IO.Path.Combine(Path, "invoices"),
            PickupDirectory = System.IO.Path.Combine(Path, "mail"),
            CrmUrl = new Uri("http://crm.test/orders"),
        };
        configure?.Invoke(options);
        return Microsoft.Extensions.Options.Options.Create(options);
    }

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}

/// <summary>Counts the effects the handlers report.</summary>
public sealed class RecordedEffects : IStepEffects
{
    private readonly List<(Guid OrderId, string Effect)> _effects = [];

    public IReadOnlyList<(Guid OrderId, string Effect)> All
    {
        get
        {
            lock (_effects)
            {
                return [.. _effects];
            }
        }
    }

    public void Happened(Guid orderId, string effect)
    {
        lock (_effects)
        {
            _effects.Add((orderId, effect));
        }
    }
}

internal static class Contexts
{
    public static StepContext For(Guid orderId, string step, int attempt = 1) => new(orderId, step, attempt, isCompensation: false);
}

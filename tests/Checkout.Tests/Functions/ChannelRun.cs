using Checkout.Saga;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Checkout.Tests.Functions;

/// <summary>
/// Runs one order through a checkout whose step goes over a queue channel: starts the channel's reply listeners
/// (the test host runs no hosted services), lets <c>pump</c> play the function platform until the saga completes,
/// then stops both.
/// </summary>
internal static class ChannelRun
{
    public static async Task<CheckoutState> CompleteAsync(CheckoutFixture checkout, Guid orderId, Func<CancellationToken, Task> pump)
    {
        using var stop = new CancellationTokenSource();
        var listeners = checkout.Host.Services.GetServices<IHostedService>().Where(h => h.GetType().Name == "QueueReplyListener").ToList();
        Assert.NotEmpty(listeners);
        foreach (var listener in listeners)
        {
            await listener.StartAsync(stop.Token);
        }

        var completed = checkout.WaitForStateAsync(orderId, "Completed");
        var pumping = pump(stop.Token);
        try
        {
            return await completed;
        }
        finally
        {
            await stop.CancelAsync();
            await pumping;
            foreach (var listener in listeners)
            {
                await listener.StopAsync(CancellationToken.None);
            }
        }
    }
}

using MassTransit;

namespace Sagas.Outbox;

/// <summary>
/// Forgets every kept send endpoint (<see cref="DestinationEndpoints"/>) when a bus stops or starts: stopping a bus resets
/// its send endpoint provider and stops the transports under the endpoints it gave out (RabbitMQ's then refuse to send,
/// and in memory they write to the stopped bus's exchanges, where a message can be lost without an error).
/// </summary>
internal sealed class DestinationEndpointsReset : IBusObserver
{
    public void PostCreate(IBus bus)
    {
    }

    public void CreateFaulted(Exception exception)
    {
    }

    public Task PreStart(IBus bus) => Forget();

    public Task PostStart(IBus bus, Task<BusReady> busReady) => Forget(); // endpoints looked up while it started

    public Task StartFaulted(IBus bus, Exception exception) => Forget();

    public Task PreStop(IBus bus) => Task.CompletedTask;

    public Task PostStop(IBus bus) => Forget();

    public Task StopFaulted(IBus bus, Exception exception) => Forget();

    private static Task Forget()
    {
        DestinationEndpoints.ForgetAll();
        return Task.CompletedTask;
    }
}

// A team's first Sagas application, as it would be written against the published packages: it references the
// Sagas package only (Sagas.Contracts comes with it) and runs one saga on the in-memory transport.
// Not compiled with the tests: Sagas.Packaging.Tests copies it into a throwaway project outside the repository.
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sagas.Persistence;
using Sagas.Steps;
using Shipping;

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton<SagaOutcomes>();
builder.Services.AddSingleton<ISagaCommitObserver<ShipmentState>>(sp => sp.GetRequiredService<SagaOutcomes>());
builder.Services.AddSagas(sagas => sagas
    .AddContracts(contracts => contracts
        .Add<ShipmentRequested>()
        .Add<ReserveParcel>()
        .Add<CancelParcel>()
        .Add<NotifyCustomer>())
    .AddSaga<ShipmentSaga, ShipmentState>()
    .AddStep<ReserveParcel, ParcelReserved, ReserveParcelHandler>()
    .AddStep<CancelParcel, Done, CancelParcelHandler>()
    .AddStep<NotifyCustomer, Done, NotifyCustomerHandler>());

using var host = builder.Build();
using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
await host.StartAsync(timeout.Token);

var outcomes = host.Services.GetRequiredService<SagaOutcomes>();
var shipmentId = Guid.NewGuid();
await host.Services.GetRequiredService<IBus>().Publish(new ShipmentRequested(shipmentId, "parcel-42"), timeout.Token);

ShipmentState final;
try
{
    final = await outcomes.TerminalAsync(shipmentId, timeout.Token);
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine($"saga {shipmentId} did not end within 60 s; last committed state: {outcomes.LastState(shipmentId) ?? "none"}");
    await host.StopAsync(CancellationToken.None);
    return 1;
}

await host.StopAsync(CancellationToken.None);
Console.WriteLine($"saga {shipmentId} {final.CurrentState}{(final.Reason is null ? "" : $" ({final.Reason})")}");
if (final.ReservationId != "reservation-parcel-42")
{
    // The step's result travels back to the saga as JSON: check it arrived, not just that the saga ended.
    Console.Error.WriteLine($"saga {shipmentId} kept reservation '{final.ReservationId}', expected 'reservation-parcel-42'");
    return 1;
}

return final.CurrentState == "Completed" ? 0 : 1;

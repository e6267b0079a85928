using Checkout;
using Checkout.Contracts;
using Checkout.Saga;
using Checkout.Simulation;
using Checkout.Steps;
using Checkout.Steps.Effects;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Placement;
using Sagas.RabbitMq.Tests.Harness;
using Sagas.Steps;

namespace Sagas.RabbitMq.Tests.Placement;

// The checkout over RabbitMQ runs GenerateInvoice in this process, one at a time, and overflows it to the function host
// while the generate-invoice queue holds 2 or more invoices: the broker's own count of its backlog, sampled in the
// background. The first invoice is held, so the next ones pile up in the queue.
public sealed class When_the_invoice_queue_backs_up_on_rabbitmq : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sagas-overflow-").FullName;

    [Fact]
    public async Task Invoices_overflow_to_the_function_host_by_the_queues_depth_and_each_order_gets_one()
    {
        await Broker.PurgeQueuesAsync(RabbitCheckout.Queues);
        var effects = new EffectLog();
        var held = new HeldInvoices(new GenerateInvoiceHandler(effects));
        await using var functions = await LoopbackStepFunctions.StartAsync(effects, configure: o =>
        {
            o.OutputDirectory = Path.Combine(_folder, "invoices");
            o.PickupDirectory = Path.Combine(_folder, "mail");
        });
        await using var app = await RabbitCheckout.StartAsync(
            Broker.Address,
            sagas => sagas
                .Configure(o => o.ConcurrentMessageLimit = 1)
                .RouteCheckoutStepsTo(functions.Endpoint)
                .RouteSteps(r => r.Routes[CheckoutStepRoutes.EventTypeOf(typeof(GenerateInvoice))].Overflow = new StepOverflow { MaxQueueDepth = 2 }),
            o =>
            {
                o.PrefetchCount = 1; // the held invoice is the only one delivered; the others wait in the queue, ready
                o.QueueDepthInterval = TimeSpan.FromMilliseconds(100);
            },
            services =>
            {
                services.AddSingleton(effects);
                services.AddSingleton<IStepHandler<GenerateInvoice, InvoiceGenerated>>(held); // before the checkout's: the worker's handler
            });
        var first = OrderScenarios.Create(Scenario.Happy, 0);
        var waiting = Enumerable.Range(1, 4).Select(i => OrderScenarios.Create(Scenario.Happy, i)).ToList();
        var depths = app.Services.GetRequiredService<IQueueDepths>();
        var invoiceQueue = new Uri($"rabbitmq://127.0.0.1/{Broker.VirtualHost}/generate-invoice");

        await app.Bus.Publish(first);
        await held.Entered.Task.WaitAsync(TimeSpan.FromSeconds(60));
        foreach (var order in waiting)
        {
            await app.Bus.Publish(order);
        }

        // The four invoice commands are in the queue, and the broker says so.
        await Until(() => depths.DepthOf(invoiceQueue) >= 4);
        held.Release.TrySetResult();
        var done = new List<CheckoutState>();
        foreach (var order in waiting.Prepend(first))
        {
            done.Add(await app.Sagas.WaitAsync(order.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(120)));
        }

        var placements = done.Select(s => s.History.Single(h => h is { Step: "GenerateInvoice", Kind: StepHistoryKind.Placed }).Reason).ToList();
        Assert.Equal("primary: 0 in flight", placements[0]);
        Assert.Contains(placements.Skip(1), p => System.Text.RegularExpressions.Regex.IsMatch(p!, "^overflow: [2-4] waiting in the queue, at most 2$"));
        var overflowed = placements.Count(p => p!.StartsWith("overflow", StringComparison.Ordinal));
        Assert.Equal(overflowed, Directory.GetFiles(Path.Combine(_folder, "invoices"), "*.pdf").Length); // written by the function host
        Assert.Equal(5 - overflowed, held.Runs); // the rest, on the worker
        foreach (var order in waiting.Prepend(first))
        {
            Assert.Single(effects.For(order.OrderId), e => e == StepEffectNames.InvoiceGenerated);
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static async Task Until(Func<bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "the condition did not hold within 30 s");
            await Task.Delay(50);
        }
    }

    /// <summary>The worker's invoice handler: the first execution waits for the test's release.</summary>
    private sealed class HeldInvoices(IStepHandler<GenerateInvoice, InvoiceGenerated> handler) : IStepHandler<GenerateInvoice, InvoiceGenerated>
    {
        private int _runs;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Runs => Volatile.Read(ref _runs);

        public async ValueTask<StepOutcome<InvoiceGenerated>> HandleAsync(GenerateInvoice command, StepContext context)
        {
            if (Interlocked.Increment(ref _runs) == 1)
            {
                Entered.TrySetResult();
                await Release.Task.WaitAsync(TimeSpan.FromSeconds(90));
            }

            return await handler.HandleAsync(command, context);
        }
    }
}

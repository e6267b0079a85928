using System.Collections.Concurrent;
using Amazon.SQS;
using Checkout.Contracts;
using Checkout.Saga;
using Checkout.Simulation;
using Checkout.Steps;
using Checkout.Steps.Effects;
using PdfInvoices = Checkout.Steps.Invoices.GenerateInvoiceHandler;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sagas.Functions;
using Sagas.Functions.Aws.Channel;
using Sagas.Functions.Aws.Lambda;
using Sagas.Functions.Azure;
using Sagas.Functions.Azure.Channel;
using Sagas.Functions.Azure.QueueTrigger;
using Sagas.Functions.ClaimCheck;
using Sagas.Placement;
using Sagas.Steps;
using Sagas.Testing;

namespace Checkout.Tests.Steps;

// GenerateInvoice runs on the worker while it keeps up and overflows to the function host while it is behind: here the
// worker's handler is held, so its one execution in flight is the threshold, and the next order's invoice goes to the
// function host; once the held one ends, invoices come back to the worker.
public sealed class When_the_workers_invoices_are_behind : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task The_next_invoice_overflows_to_the_function_host_and_each_order_gets_one_invoice_recorded_where_it_ran()
    {
        var effects = new EffectLog();
        await using var functions = await StartFunctionsAsync(effects);
        var held = new HeldInvoices(effects);
        using var host = await StartWorkerAsync(effects, held, functions.Endpoint, invoices => invoices.Overflow = new StepOverflow { MaxInFlight = 1 });
        var bus = host.Services.GetRequiredService<IBus>();
        var sagas = host.Services.GetRequiredService<SagaWatcher<CheckoutState>>();
        var (first, second, third) = (Order(), Order(), Order());

        await bus.Publish(first);
        await held.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the worker runs the first invoice, and holds it
        await bus.Publish(second);
        var overflowed = await sagas.WaitAsync(second.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(30));
        held.Release.TrySetResult();
        var primary = await sagas.WaitAsync(first.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(30));
        await bus.Publish(third);
        var back = await sagas.WaitAsync(third.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(30));
        await host.StopAsync();

        Assert.Equal("overflow: 1 in flight, at most 1", Placement(overflowed));
        Assert.Equal("primary: 0 in flight", Placement(primary));
        Assert.StartsWith("primary again: 0 in flight", Placement(back), StringComparison.Ordinal); // and the latency of the held one
        Assert.Equal(2, held.Runs); // the first and third orders' invoices, on the worker
        Assert.Single(Directory.GetFiles(Path.Combine(_folder.Path, "invoices"), "*.pdf")); // the second's, on the function host
        foreach (var order in new[] { first, second, third })
        {
            Assert.Single(effects.For(order.OrderId), e => e == StepEffectNames.InvoiceGenerated);
        }
    }

    [Fact]
    public async Task A_command_the_function_host_cannot_take_stays_on_the_worker_however_behind_it_is()
    {
        var effects = new EffectLog();
        await using var functions = await StartFunctionsAsync(effects);
        var held = new HeldInvoices(effects);
        using var host = await StartWorkerAsync(effects, held, functions.Endpoint, invoices =>
        {
            invoices.Overflow = new StepOverflow { MaxInFlight = 1 };
            invoices.MaxPayloadBytes = 64; // no invoice command is that small
        });
        var bus = host.Services.GetRequiredService<IBus>();
        var sagas = host.Services.GetRequiredService<SagaWatcher<CheckoutState>>();
        var (first, second) = (Order(), Order());

        await bus.Publish(first);
        await held.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await bus.Publish(second);
        var kept = await sagas.WaitAsync(second.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(30));
        held.Release.TrySetResult();
        await sagas.WaitAsync(first.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(30));
        await host.StopAsync();

        Assert.Matches("^primary: the command's [0-9]+ bytes are over the overflow host's 64$", Placement(kept));
        Assert.Equal(2, held.Runs);
        Assert.False(Directory.Exists(Path.Combine(_folder.Path, "invoices")) && Directory.GetFiles(Path.Combine(_folder.Path, "invoices")).Length > 0);
    }

    [Fact]
    public async Task An_invoice_that_waited_in_the_queue_past_its_target_overflows_although_the_worker_is_at_its_limit()
    {
        // One consumer slot: while the first invoice is held, the second waits in the queue, and the worker's in-flight
        // count never passes its one slot. Only the second command's wait says that the worker is behind.
        var effects = new EffectLog();
        await using var functions = await StartFunctionsAsync(effects);
        var held = new HeldInvoices(effects);
        using var host = await StartWorkerAsync(
            effects,
            held,
            functions.Endpoint,
            invoices => invoices.Overflow = new StepOverflow { QueueWaitTarget = TimeSpan.FromMilliseconds(500) },
            concurrentMessages: 1);
        var bus = host.Services.GetRequiredService<IBus>();
        var sagas = host.Services.GetRequiredService<SagaWatcher<CheckoutState>>();
        var (first, second) = (Order(), Order());

        await bus.Publish(first);
        await held.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await bus.Publish(second);
        await sagas.WaitAsync(second.OrderId, s => s.History.Any(h => h.Step == "GenerateInvoice" && h.Kind == StepHistoryKind.Requested), TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(1)); // the second invoice command waits behind the held one
        held.Release.TrySetResult();
        var overflowed = await sagas.WaitAsync(second.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(30));
        var primary = await sagas.WaitAsync(first.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(30));
        await host.StopAsync();

        Assert.Equal("primary: 0 in flight", Placement(primary));
        Assert.Matches("^overflow: waited [0-9]+ ms in the queue, above 500 ms$", Placement(overflowed));
        Assert.Equal(1, held.Runs);
        Assert.Single(Directory.GetFiles(Path.Combine(_folder.Path, "invoices"), "*.pdf")); // the second's, on the function host
        foreach (var order in new[] { first, second })
        {
            Assert.Single(effects.For(order.OrderId), e => e == StepEffectNames.InvoiceGenerated);
        }
    }

    [Fact]
    public async Task An_attempt_asked_again_on_the_function_host_after_its_deadline_has_one_effect_with_the_same_idempotency_key()
    {
        // Both hosts run the PDF handler on one folder, as in the topology. The worker's first attempt (held) outlives its
        // deadline; the saga asks again, the worker is at its limit, so attempt 2 runs on the function host. When the
        // worker's attempt 1 ends it finds the invoice already written under the key both hosts derive, and its late
        // reply is ignored.
        var effects = new EffectLog();
        var invoices = Path.Combine(_folder.Path, "invoices");
        await using var functions = await StartFunctionsAsync(effects);
        var held = new HeldInvoices(new PdfInvoices(
            Options.Create(new CheckoutStepsOptions { OutputDirectory = invoices }), TimeProvider.System, effects, NullLogger<PdfInvoices>.Instance));
        using var host = await StartWorkerAsync(
            effects,
            held,
            functions.Endpoint,
            route => route.Overflow = new StepOverflow { MaxInFlight = 1 },
            settings: new CheckoutSettings { Deadline = TimeSpan.FromSeconds(5) }); // long enough for the function host's first PDF on a busy machine
        var bus = host.Services.GetRequiredService<IBus>();
        var sagas = host.Services.GetRequiredService<SagaWatcher<CheckoutState>>();
        var order = Order();

        await bus.Publish(order);
        await held.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await sagas.WaitAsync(order.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(30));
        held.Release.TrySetResult();
        var done = await sagas.WaitAsync(order.OrderId, s => s.History.Any(h => h is { Step: "GenerateInvoice", Kind: StepHistoryKind.IgnoredStaleReply }), TimeSpan.FromSeconds(30));
        await host.StopAsync();

        var invoice = done.History.Where(h => h.Step == "GenerateInvoice").Select(h => (h.Kind, h.Attempt)).ToList();
        Assert.Equal(
            [
                (StepHistoryKind.Requested, 1), (StepHistoryKind.TimedOut, 1), (StepHistoryKind.RetryScheduled, 1),
                (StepHistoryKind.Requested, 2), (StepHistoryKind.Placed, 2), (StepHistoryKind.Completed, 2),
                (StepHistoryKind.Placed, 1), (StepHistoryKind.IgnoredStaleReply, 1),
            ],
            invoice);
        Assert.Equal("primary: 0 in flight", done.History.First(h => h is { Step: "GenerateInvoice", Kind: StepHistoryKind.Placed, Attempt: 1 }).Reason);
        Assert.Equal("overflow: 1 in flight, at most 1", done.History.First(h => h is { Step: "GenerateInvoice", Kind: StepHistoryKind.Placed, Attempt: 2 }).Reason);
        Assert.Equal(StepContext.CreateIdempotencyKey(order.OrderId, "GenerateInvoice", isCompensation: false), Assert.Single(held.Keys));
        Assert.Single(Directory.GetFiles(invoices, "*.pdf"));
        Assert.Single(effects.For(order.OrderId), e => e == StepEffectNames.InvoiceGenerated); // by the function host
    }

    [Theory]
    [InlineData("sqs")] // a Lambda behind SQS, on fauxqs
    [InlineData("storage-queue")] // an Azure Function behind a Storage Queue, on Azurite
    public async Task An_invoice_overflowing_to_a_function_behind_a_queue_travels_by_claim_check_and_its_placement_comes_back(string queue)
    {
        var effects = new EffectLog();
        await using IQueuedInvoices function = queue == "sqs" ? await SqsInvoiceLambda.StartAsync(effects) : await StorageQueueInvoiceFunction.StartAsync(effects);

        // The worker: its invoice handler held at one in flight, the overflow host a queue whose messages the invoice
        // commands do not fit in (MaxMessageBytes), so each goes by claim check.
        await using var functions = await StartFunctionsAsync(effects); // the other two steps
        var held = new HeldInvoices(effects);
        using var host = await StartWorkerAsync(
            effects,
            held,
            functions.Endpoint,
            route =>
            {
                route.Http = null;
                route.Channel = "invoices";
                route.Overflow = new StepOverflow { MaxInFlight = 1 };
            },
            services: function.AddChannel);
        var bus = host.Services.GetRequiredService<IBus>();
        var sagas = host.Services.GetRequiredService<SagaWatcher<CheckoutState>>();
        var (first, second) = (Order(lines: 30), Order(lines: 30));

        CheckoutState overflowed, primary;
        try
        {
            await bus.Publish(first);
            await held.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await bus.Publish(second);
            overflowed = await sagas.WaitAsync(second.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(60));
            held.Release.TrySetResult();
            primary = await sagas.WaitAsync(first.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(30));
        }
        finally
        {
            held.Release.TrySetResult(); // else the worker's stop waits for the held invoice forever
            await host.StopAsync();
        }

        Assert.Equal("overflow: 1 in flight, at most 1", Placement(overflowed)); // carried out on the command, back on the reply
        Assert.Equal("primary: 0 in flight", Placement(primary));
        Assert.Equal(1, held.Runs);
        Assert.NotEmpty(function.ClaimChecks.Keys); // the overflowed command's data went by claim check
        foreach (var order in new[] { first, second })
        {
            Assert.Single(effects.For(order.OrderId), e => e == StepEffectNames.InvoiceGenerated);
        }
    }

    [Fact]
    public async Task An_invoice_too_large_for_the_http_function_overflows_to_the_next_host_a_lambda_behind_sqs()
    {
        // Two overflow hosts: the function host over HTTP, which takes commands of at most 3,000 bytes, then a Lambda behind
        // SQS. While the worker is behind, a small invoice goes to the first and a large one (100 lines) to the second.
        var effects = new EffectLog();
        await using var lambda = await SqsInvoiceLambda.StartAsync(effects);
        await using var functions = await StartFunctionsAsync(effects);
        var held = new HeldInvoices(effects);
        using var host = await StartWorkerAsync(
            effects,
            held,
            functions.Endpoint,
            route =>
            {
                route.MaxPayloadBytes = 3000;
                route.Overflow = new StepOverflow { MaxInFlight = 1 };
                route.Alternates.Add(new Sagas.Gateway.StepRoute { Channel = "invoices" });
            },
            services: lambda.AddChannel);
        var bus = host.Services.GetRequiredService<IBus>();
        var sagas = host.Services.GetRequiredService<SagaWatcher<CheckoutState>>();
        var (first, small, large) = (Order(), Order(), Order(lines: 100));

        CheckoutState toFunction, toLambda;
        try
        {
            await bus.Publish(first);
            await held.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await bus.Publish(small);
            toFunction = await sagas.WaitAsync(small.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(30));
            await bus.Publish(large);
            toLambda = await sagas.WaitAsync(large.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(60));
            held.Release.TrySetResult();
            await sagas.WaitAsync(first.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(30));
        }
        finally
        {
            held.Release.TrySetResult();
            await host.StopAsync();
        }

        Assert.Equal($"overflow: 1 in flight, at most 1; to {functions.Endpoint}", Placement(toFunction));
        Assert.Matches(
            $"^overflow: 1 in flight, back at 0.5; to channel 'invoices' \\(the command's [0-9]+ bytes are over {System.Text.RegularExpressions.Regex.Escape(functions.Endpoint.ToString())}'s 3000\\)$",
            Placement(toLambda)); // back from the Lambda on its reply
        Assert.Single(Directory.GetFiles(Path.Combine(_folder.Path, "invoices"), "*.pdf")); // the small one's, by the function host
        Assert.NotEmpty(lambda.ClaimChecks.Keys); // the large one's, by claim check through the queue
        Assert.Equal(1, held.Runs);
        foreach (var order in new[] { first, small, large })
        {
            Assert.Single(effects.For(order.OrderId), e => e == StepEffectNames.InvoiceGenerated);
        }
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>The checkout's function host on loopback HTTP, writing invoices and mail under this spec's folder.</summary>
    private Task<LoopbackStepFunctions> StartFunctionsAsync(EffectLog effects)
        => LoopbackStepFunctions.StartAsync(effects, configure: o =>
        {
            o.OutputDirectory = Path.Combine(_folder.Path, "invoices");
            o.PickupDirectory = Path.Combine(_folder.Path, "mail");
        });

    /// <summary>The checkout in this process, with <paramref name="held"/> as its invoice handler and its function steps routed to <paramref name="functions"/>.</summary>
    private static async Task<IHost> StartWorkerAsync(
        EffectLog effects,
        HeldInvoices held,
        Uri functions,
        Action<Sagas.Gateway.StepRoute> invoices,
        int concurrentMessages = 32,
        CheckoutSettings? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        services?.Invoke(builder.Services);
        builder.Services.AddSingleton(effects);
        builder.Services.AddSingleton(settings ?? new CheckoutSettings());
        builder.Services.AddSingleton<IStepHandler<GenerateInvoice, InvoiceGenerated>>(held); // before AddCheckout's: the worker's handler
        SagaTestHost.AddWatcher<CheckoutState>(builder.Services);
        builder.Services.AddSagas(sagas => sagas
            .AddCheckout()
            .Configure(o => o.ConcurrentMessageLimit = concurrentMessages)
            .RouteCheckoutStepsTo(functions)
            .RouteSteps(routing => invoices(routing.Routes[CheckoutStepRoutes.EventTypeOf(typeof(GenerateInvoice))])));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static string? Placement(CheckoutState state)
        => Assert.Single(state.History, h => h.Step == "GenerateInvoice" && h.Kind == StepHistoryKind.Placed).Reason;

    private static OrderSubmitted Order(int? lines = null)
    {
        var order = OrderScenarios.CreateMix(1)[0] with { OrderId = Guid.NewGuid() };
        return lines is { } count ? order with { Lines = [.. Enumerable.Range(1, count).Select(i => new OrderLine($"SKU-{i:D4}", 1, 2.5m))] } : order;
    }

    /// <summary>The invoice handler in a function's container, with the claim checks it shares with the worker, behind <paramref name="trigger"/>.</summary>
    private static ServiceProvider InvoiceFunction(IServiceCollection function, EffectLog effects, RecordingClaimChecks claimChecks, Action<StepFunctionsBuilder> trigger)
    {
        function.AddLogging().AddSingleton(effects).AddSingleton<IClaimCheckStore>(claimChecks);
        function.AddStepFunctions(f => trigger(f
            .AddContracts(c => c.AddCheckoutContracts())
            .AddHandler<GenerateInvoice, InvoiceGenerated, GenerateInvoiceHandler>()));
        return function.BuildServiceProvider();
    }

    /// <summary>An invoice function behind a queue: the channel <c>invoices</c> to it, and the claim checks both sides share.</summary>
    private interface IQueuedInvoices : IAsyncDisposable
    {
        RecordingClaimChecks ClaimChecks { get; }

        void AddChannel(IServiceCollection services);
    }

    /// <summary>
    /// The invoice handler behind the Azure Functions queue trigger on Azurite, redeeming claim checks from a store it shares
    /// with the worker, with the Functions host's queue listener played until disposed; <see cref="AddChannel"/> gives the
    /// worker the channel <c>invoices</c> to it, whose messages hold at most 1,024 bytes (Base64 counted).
    /// </summary>
    private sealed class StorageQueueInvoiceFunction : IQueuedInvoices
    {
        private readonly ServiceProvider _function;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _pumping;
        private readonly string _connection;
        private readonly string _requests;
        private readonly string _replies;

        private StorageQueueInvoiceFunction(ServiceProvider function, RecordingClaimChecks claimChecks, string connection, string requests, string replies)
        {
            (_function, ClaimChecks, _connection, _requests, _replies) = (function, claimChecks, connection, requests, replies);
            var queue = new Azure.Storage.Queues.QueueClient(connection, requests, new Azure.Storage.Queues.QueueClientOptions { MessageEncoding = Azure.Storage.Queues.QueueMessageEncoding.Base64 });
            _pumping = Checkout.Tests.Functions.StorageQueuePump.RunAsync(queue, requests, function.GetRequiredService<StepQueueTrigger>(), _stop.Token);
        }

        public RecordingClaimChecks ClaimChecks { get; }

        public static Task<StorageQueueInvoiceFunction> StartAsync(EffectLog effects)
        {
            var connection = Environment.GetEnvironmentVariable("SAGAS_TEST_AZURITE")
                ?? throw new InvalidOperationException("SAGAS_TEST_AZURITE is not set: run the tests through eng/test.sh, which starts Azurite.");
            var run = Guid.NewGuid().ToString("N")[..8];
            var (requests, replies) = ($"invoice-requests-{run}", $"invoice-replies-{run}");
            var claimChecks = new RecordingClaimChecks();
            var function = InvoiceFunction(new ServiceCollection(), effects, claimChecks, f => f.AddAzureQueueTrigger(o =>
            {
                o.ConnectionString = connection;
                o.ReplyQueueName = replies;
            }));
            return Task.FromResult(new StorageQueueInvoiceFunction(function, claimChecks, connection, requests, replies));
        }

        public void AddChannel(IServiceCollection services)
        {
            services.AddSingleton<IClaimCheckStore>(ClaimChecks);
            services.AddStorageQueueStepChannel("invoices", o =>
            {
                o.ConnectionString = _connection;
                o.RequestQueueName = _requests;
                o.ReplyQueueName = _replies;
                o.MaxPollingInterval = TimeSpan.FromMilliseconds(200);
                o.MaxMessageBytes = 1024; // the least the channel allows; an order of 30 lines is more
            });
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _pumping;
            await _function.DisposeAsync();
            _stop.Dispose();
        }
    }

    /// <summary>
    /// The invoice handler behind the SQS Lambda handler on fauxqs, redeeming claim checks from a store it shares with the
    /// worker, with the Lambda event source mapping played until disposed; <see cref="AddChannel"/> gives the worker the
    /// channel <c>invoices</c> to it, whose messages hold at most 1,024 bytes.
    /// </summary>
    private sealed class SqsInvoiceLambda : IQueuedInvoices
    {
        private readonly IAmazonSQS _sqs;
        private readonly ServiceProvider _lambda;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _pumping;
        private readonly string _requests;
        private readonly string _replies;

        private SqsInvoiceLambda(IAmazonSQS sqs, ServiceProvider lambda, RecordingClaimChecks claimChecks, string requests, string replies)
        {
            (_sqs, _lambda, ClaimChecks, _requests, _replies) = (sqs, lambda, claimChecks, requests, replies);
            _pumping = Checkout.Tests.Functions.SqsLambdaPump.RunAsync(sqs, requests, lambda.GetRequiredService<SqsLambdaHandler>(), _stop.Token);
        }

        public RecordingClaimChecks ClaimChecks { get; }

        public static async Task<SqsInvoiceLambda> StartAsync(EffectLog effects)
        {
            IAmazonSQS sqs = Checkout.Tests.Functions.Fauxqs.Client();
            var run = Guid.NewGuid().ToString("N")[..8];
            var requests = (await sqs.CreateQueueAsync($"invoice-requests-{run}")).QueueUrl;
            var replies = (await sqs.CreateQueueAsync($"invoice-replies-{run}")).QueueUrl;
            var deadLetters = (await sqs.CreateQueueAsync($"invoice-dead-{run}")).QueueUrl;
            var claimChecks = new RecordingClaimChecks();
            var function = InvoiceFunction(new ServiceCollection().AddSingleton(sqs), effects, claimChecks, f => f.AddSqsLambdaHandler(o =>
            {
                o.ReplyQueueUrl = replies;
                o.DeadLetterQueueUrl = deadLetters;
            }));
            return new SqsInvoiceLambda(sqs, function, claimChecks, requests, replies);
        }

        public void AddChannel(IServiceCollection services)
        {
            services.AddSingleton(_sqs);
            services.AddSingleton<IClaimCheckStore>(ClaimChecks);
            services.AddSqsStepChannel("invoices", o =>
            {
                o.RequestQueueUrl = _requests;
                o.ReplyQueueUrl = _replies;
                o.ReceiveWaitTime = TimeSpan.FromSeconds(1);
                o.MaxMessageBytes = 1024; // the least SQS allows; an order of 30 lines is more
            });
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _pumping;
            await _lambda.DisposeAsync();
            _sqs.Dispose();
            _stop.Dispose();
        }
    }

    /// <summary>A claim-check store that remembers every key put in it, even once redeemed and deleted.</summary>
    private sealed class RecordingClaimChecks : IClaimCheckStore
    {
        private readonly InMemoryClaimCheckStore _store = new();

        public ConcurrentQueue<string> Keys { get; } = new();

        public ValueTask PutAsync(string key, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
        {
            Keys.Enqueue(key);
            return _store.PutAsync(key, payload, cancellationToken);
        }

        public ValueTask<ReadOnlyMemory<byte>?> GetAsync(string key, CancellationToken cancellationToken = default) => _store.GetAsync(key, cancellationToken);

        public ValueTask DeleteAsync(string key, CancellationToken cancellationToken = default) => _store.DeleteAsync(key, cancellationToken);
    }

    /// <summary>The worker's invoice handler (by default the in-memory one): the first execution waits for the test's release.</summary>
    private sealed class HeldInvoices(IStepHandler<GenerateInvoice, InvoiceGenerated> handler) : IStepHandler<GenerateInvoice, InvoiceGenerated>
    {
        private int _runs;

        public HeldInvoices(EffectLog effects)
            : this(new GenerateInvoiceHandler(effects))
        {
        }

        /// <summary>The idempotency key of each execution here.</summary>
        public ConcurrentQueue<string> Keys { get; } = new();

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Runs => Volatile.Read(ref _runs);

        public async ValueTask<StepOutcome<InvoiceGenerated>> HandleAsync(GenerateInvoice command, StepContext context)
        {
            Keys.Enqueue(context.IdempotencyKey);
            if (Interlocked.Increment(ref _runs) == 1)
            {
                Entered.TrySetResult();
                await Release.Task.WaitAsync(TimeSpan.FromSeconds(90)); // bounded: a failed spec must not hold the worker's stop forever
            }

            return await handler.HandleAsync(command, context);
        }
    }
}

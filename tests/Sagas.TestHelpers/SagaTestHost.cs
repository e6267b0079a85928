using System.Collections.Concurrent;
using MassTransit;
using MassTransit.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Sagas.CloudEvents;
using Sagas.DeadLetters;
using Sagas.Outbox;
using Sagas.Persistence;

namespace Sagas.Testing;

/// <summary>
/// A Sagas application on the in-memory transport with a <see cref="FakeTimeProvider"/>, for tests:
/// deadlines and retry backoffs fire only when the test advances <see cref="Time"/>.
/// </summary>
public sealed class SagaTestHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly IBusControl _bus;

    private SagaTestHost(ServiceProvider services)
    {
        _services = services;
        _bus = services.GetRequiredService<IBusControl>();
    }

    /// <summary>The test clock, starting at 2026-01-01T00:00Z.</summary>
    public FakeTimeProvider Time => (FakeTimeProvider)_services.GetRequiredService<TimeProvider>();

    /// <summary>The application's services.</summary>
    public IServiceProvider Services => _services;

    /// <summary>The bus.</summary>
    public IBus Bus => _bus;

    /// <summary>Builds and starts the application.</summary>
    public static async Task<SagaTestHost> StartAsync(Action<SagasBuilder> configure, Action<IServiceCollection>? services = null)
    {
        var collection = new ServiceCollection();
        collection.AddLogging(l => l.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        collection.AddSingleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        services?.Invoke(collection);
        collection.AddSagas(configure);
        var provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var host = new SagaTestHost(provider);
        await host._bus.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        return host;
    }

    /// <summary>Registers a watcher for <typeparamref name="TState"/>; add it before start through the services callback.</summary>
    public static void AddWatcher<TState>(IServiceCollection services)
        where TState : class
    {
        services.AddSingleton<SagaWatcher<TState>>();
        services.AddSingleton<ISagaCommitObserver<TState>>(sp => sp.GetRequiredService<SagaWatcher<TState>>());
    }

    /// <summary>The watcher registered with <see cref="AddWatcher{TState}"/>.</summary>
    public SagaWatcher<TState> Watcher<TState>()
        where TState : class
        => _services.GetRequiredService<SagaWatcher<TState>>();

    /// <summary>The dead letters recorded so far.</summary>
    public async Task<IReadOnlyList<DeadLetter>> DeadLettersAsync()
        => (await _services.GetRequiredService<IDeadLetterStore>().ListAsync(new DeadLetterQuery { IncludeResolved = true, Limit = DeadLetterQuery.MaxLimit }, CancellationToken.None)).Items;

    /// <summary>
    /// The messages still in the in-memory outbox once every one of them that is due has been delivered: the dispatcher
    /// marks a message delivered after its send returned, so a consumer of it may run before that.
    /// </summary>
    /// <exception cref="TimeoutException">A message due by the test clock is still undelivered after <paramref name="timeout"/> (default 10 s), named in the message.</exception>
    public async Task<IReadOnlyList<OutboxMessage>> DeliveredAsync(TimeSpan? timeout = null)
    {
        var store = _services.GetRequiredService<InMemoryMessageStore>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var undelivered = store.Undelivered;
            var due = undelivered.Where(m => m.DueTime is not { } at || at <= Time.GetUtcNow()).ToList();
            if (due.Count == 0)
            {
                return undelivered;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Outbox messages due and not delivered: {string.Join(", ", due.Select(m => $"{m.Id} to {m.Destination}"))}");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Encodes <paramref name="message"/> as the structured CloudEvent a producer would send.</summary>
    public string ToCloudEventJson(object message, string id, Uri? source = null, Guid? subject = null)
    {
        var converter = _services.GetRequiredService<CloudEventConverter>();
        var cloudEvent = converter.ToCloudEvent(message, new EventMetadata
        {
            Id = id,
            Source = source ?? new Uri("/tests/producer", UriKind.Relative),
            Subject = subject?.ToString(),
            CorrelationId = subject?.ToString(),
            Time = Time.GetUtcNow(),
        });
        return System.Text.Encoding.UTF8.GetString(converter.EncodeStructured(cloudEvent).Span);
    }

    /// <summary>Puts raw bytes on a queue, exactly as another producer (any language) would.</summary>
    public async Task SendRawAsync(string queue, string body, string contentType = CloudEventConverter.StructuredContentType)
    {
        var endpoint = await _bus.GetSendEndpoint(new Uri($"queue:{queue}"));
        await endpoint.Send(new SerializedMessageBody(), Pipe.Execute<SendContext<SerializedMessageBody>>(context =>
            context.Serializer = new CopyBodySerializer(new System.Net.Mime.ContentType(contentType), new StringMessageBody(body))));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _bus.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        await _services.DisposeAsync();
    }
}

/// <summary>Sees every committed state of <typeparamref name="TState"/> sagas and lets tests wait for one.</summary>
public sealed class SagaWatcher<TState> : ISagaCommitObserver<TState>
    where TState : class
{
    private readonly ConcurrentDictionary<Guid, TState> _latest = new();
    private readonly List<(Guid Id, Func<TState, bool> Predicate, TaskCompletionSource<TState> Signal)> _waiters = [];
    private int _commits;

    /// <summary>How many commits were observed.</summary>
    public int Commits => Volatile.Read(ref _commits);

    /// <summary>The latest committed state of a saga, if any.</summary>
    public TState? Latest(Guid id) => _latest.GetValueOrDefault(id);

    /// <summary>Every saga seen.</summary>
    public IReadOnlyCollection<Guid> Sagas => [.. _latest.Keys];

    /// <inheritdoc />
    public void OnCommitted(Guid sagaId, TState state)
    {
        Interlocked.Increment(ref _commits);
        state = Copy(state); // the saga's next event may run on the committed instance itself
        _latest[sagaId] = state;
        lock (_waiters)
        {
            foreach (var waiter in _waiters.Where(w => w.Id == sagaId && w.Predicate(state)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Signal.TrySetResult(state);
            }
        }
    }

    /// <summary>
    /// Completes with the first committed state of saga <paramref name="id"/> that matches
    /// <paramref name="predicate"/> (including one already committed). Fails after <paramref name="timeout"/>
    /// (default 10 s) with the last state seen, so a broken saga fails the test instead of hanging it.
    /// </summary>
    public async Task<TState> WaitAsync(Guid id, Func<TState, bool> predicate, TimeSpan? timeout = null)
    {
        var signal = new TaskCompletionSource<TState>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (_latest.TryGetValue(id, out var current) && predicate(current))
            {
                return current;
            }

            _waiters.Add((id, predicate, signal));
        }

        try
        {
            return await signal.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Saga {id} did not reach the expected state; last committed state: {Describe(_latest.GetValueOrDefault(id))}");
        }
    }

    private static TState Copy(TState state) => System.Text.Json.JsonSerializer.Deserialize<TState>(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(state))!;

    private static string Describe(TState? state) => state is null ? "none" : System.Text.Json.JsonSerializer.Serialize(state);
}

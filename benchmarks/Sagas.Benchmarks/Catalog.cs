using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Checkout;
using Checkout.Saga;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Sagas.Inbox;
using Sagas.Marten;
using Sagas.Persistence;
using Sagas.Persistence.Catalog;
using Sagas.Steps;

namespace Sagas.Benchmarks;

/// <summary>
/// The inspector's queries on a large PostgreSQL catalog: fills the checkout's document table with <c>--sagas</c> documents
/// of mixed states (each a copy of a real completed checkout's document, with its own id, state, current step and start
/// time), then times each page the inspector asks for, first and deep in the list, and the counts.
/// </summary>
internal static class Catalog
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task RunAsync(string connection, int sagas, int runs, bool json)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSagas(s => s.AddCheckout().UseMarten(o =>
        {
            o.ConnectionString = connection;
            o.SchemaName = "catalog_bench";
            o.RunRelay = false;
        }));
        await using var provider = services.BuildServiceProvider();
        await MartenSagaSchema.ApplyAsync(provider);
        var table = provider.GetRequiredService<IDocumentStore>().Options.FindOrResolveDocumentType(typeof(CheckoutState)).TableName.QualifiedName;
        var dataSource = provider.GetRequiredService<NpgsqlDataSource>();
        var fill = Stopwatch.StartNew();
        await FillAsync(provider, dataSource, table, sagas);
        Console.Error.WriteLine($"filled {sagas:N0} documents in {fill.Elapsed.TotalSeconds:0} s ({await ScalarAsync<string>(dataSource, $"select pg_size_pretty(pg_total_relation_size('{table}'))")})");

        var catalog = provider.GetRequiredService<ISagaCatalog<CheckoutState>>();
        var store = provider.GetRequiredService<ISagaStore<CheckoutState>>();
        var faultedDeep = await ScalarAsync<Guid>(dataSource, $"select id from {table} where current_state = 'Faulted' order by id offset {sagas * 3 / 100 * 9 / 10} limit 1");
        var allDeep = await ScalarAsync<Guid>(dataSource, $"select id from {table} order by id offset {sagas * 9 / 10} limit 1");
        var stepDeep = await ScalarAsync<Guid>(dataSource, $"select id from {table} where current_step = 'ChargePayment' order by id offset {sagas / 50 * 9 / 10} limit 1");
        var queries = new (string Name, Func<Task> Run)[]
        {
            ("Faulted, first page", () => catalog.ListAsync(new SagaQuery { State = "Faulted" }, default).AsTask()),
            ("Faulted, page at 90 %", () => catalog.ListAsync(new SagaQuery { State = "Faulted", After = faultedDeep }, default).AsTask()),
            ("step ChargePayment, first page", () => catalog.ListAsync(new SagaQuery { Step = "ChargePayment" }, default).AsTask()),
            ("step ChargePayment, page at 90 %", () => catalog.ListAsync(new SagaQuery { Step = "ChargePayment", After = stepDeep }, default).AsTask()),
            ("Executing started before the median, first page", () => catalog.ListAsync(new SagaQuery { State = "Executing", StartedBefore = T0.AddSeconds(sagas / 2) }, default).AsTask()),
            ("all, first page", () => catalog.ListAsync(new SagaQuery(), default).AsTask()),
            ("all, page at 90 %", () => catalog.ListAsync(new SagaQuery { After = allDeep }, default).AsTask()),
            ("one saga's detail", () => store.LoadAsync(allDeep, default).AsTask()),
            ("counts per state and oldest running", () => catalog.CountAsync(default).AsTask()),
        };

        var results = new List<object>();
        foreach (var (name, run) in queries)
        {
            for (var i = 0; i < Math.Min(10, runs); i++)
            {
                await run(); // warm: plans and pages cached, as for an inspector in use
            }

            var samples = new List<double>(runs);
            for (var i = 0; i < (name.StartsWith("counts", StringComparison.Ordinal) ? Math.Min(runs, 20) : runs); i++)
            {
                var started = Stopwatch.GetTimestamp();
                await run();
                samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            samples.Sort();
            var (p50, p99) = (Math.Round(Percentiles.Of(samples, 0.50), 2), Math.Round(Percentiles.Of(samples, 0.99), 2));
            results.Add(new { query = name, runs = samples.Count, p50Ms = p50, p99Ms = p99 });
            if (!json)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-50} p50 {p50,8:0.00} ms   p99 {p99,8:0.00} ms   ({samples.Count} runs)"));
            }
        }

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { sagas, results }));
        }
    }

    /// <summary>
    /// Commits one real checkout through the store, then copies its row <paramref name="sagas"/> times in SQL, in batches,
    /// each copy with its own id (time-ordered), state (70 % Completed, 10 % Compensated, 8 % Rejected, 6 % Executing,
    /// 3 % Compensating, 3 % Faulted), current step and start time.
    /// </summary>
    private static async Task FillAsync(IServiceProvider provider, NpgsqlDataSource dataSource, string table, int sagas)
    {
        await using (var truncate = dataSource.CreateCommand($"truncate {table}"))
        {
            await truncate.ExecuteNonQueryAsync();
        }

        var template = Guid.Parse("00000000-0000-7000-8000-000000000000");
        var steps = new[] { "ReserveInventory", "ChargePayment", "ConfirmOrder", "GenerateInvoice", "SendConfirmation", "UpdateCrm" };
        var state = new CheckoutState
        {
            CorrelationId = template,
            CurrentState = "Completed",
            CustomerId = "cust-000001",
            CustomerEmail = "customer-000001@example.com",
            CardToken = "tok_visa",
            Lines = [new Checkout.Contracts.OrderLine("SKU-1", 2, 19.99m), new Checkout.Contracts.OrderLine("SKU-2", 1, 5m)],
            Total = 44.98m,
            StartedAt = T0,
            EndedAt = T0.AddSeconds(1),
            TraceId = "4bf92f3577b34da6a3ce929d0e0e4736",
            Steps = [.. steps.Select(s => new StepProgress { Name = s, Status = StepStatus.Completed, Attempt = 1 })],
            History = [.. steps.SelectMany(s => new[] { new StepHistoryEntry(T0, s, StepHistoryKind.Requested, 1, null), new StepHistoryEntry(T0, s, StepHistoryKind.Completed, 1, null) })],
        };
        await provider.GetRequiredService<ISagaStore<CheckoutState>>().CommitAsync(template, state, 0, new MessageTransaction(new InboxKey("bench", "/bench", "template")), default);

        var columns = new List<string>();
        await using (var read = dataSource.CreateCommand($"select column_name from information_schema.columns where table_schema = 'catalog_bench' and table_name = '{table.Split('.')[1]}' order by ordinal_position"))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                columns.Add(reader.GetString(0));
            }
        }

        const string Id = "('01900000-' || lpad(to_hex(i >> 48), 4, '0') || '-7' || lpad(to_hex((i >> 36) & 4095), 3, '0') || '-8000-' || lpad(to_hex(i & 281474976710655), 12, '0'))::uuid";
        const string State = "(case when i % 100 < 70 then 'Completed' when i % 100 < 80 then 'Compensated' when i % 100 < 88 then 'Rejected' when i % 100 < 94 then 'Executing' when i % 100 < 97 then 'Compensating' else 'Faulted' end)";
        const string Step = "(case when i % 100 < 80 then null when i % 100 < 88 then 'ReserveInventory' when i % 100 < 94 then (array['ReserveInventory', 'ChargePayment', 'ConfirmOrder'])[1 + i % 3] when i % 100 < 97 then 'ReserveInventory' else 'UpdateCrm' end)";
        var select = string.Join(", ", columns.Select(c => c switch
        {
            "id" => Id,
            "current_state" => State,
            "current_step" => Step,
            "started_at" => "timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second'",
            "data" => $"t.data || jsonb_build_object('CorrelationId', {Id}, 'CurrentState', {State}, 'CurrentStep', {Step}, 'StartedAt', to_char(timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"'))",
            _ => "t." + c,
        }));
        const int Batch = 100_000;
        for (var from = 1; from <= sagas; from += Batch)
        {
            await using var insert = dataSource.CreateCommand(
                $"insert into {table} ({string.Join(", ", columns)}) select {select} from {table} t, generate_series({from}::bigint, {Math.Min(sagas, from + Batch - 1)}::bigint) i where t.id = '{template}'");
            insert.CommandTimeout = 600;
            await insert.ExecuteNonQueryAsync();
        }

        foreach (var sql in new[] { $"delete from {table} where id = '{template}'", $"vacuum analyze {table}" }) // vacuum alone: it cannot run in a batch
        {
            await using var command = dataSource.CreateCommand(sql);
            command.CommandTimeout = 600;
            await command.ExecuteNonQueryAsync();
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}

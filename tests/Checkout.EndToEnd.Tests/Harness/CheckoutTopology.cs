using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Checkout.Contracts;
using Npgsql;
using RabbitMQ.Client;
using Sagas.Testing;

namespace Checkout.EndToEnd.Tests.Harness;

/// <summary>
/// The checkout as deployed: Checkout.FunctionHost, Checkout.Worker and Checkout.Api as separate processes over the
/// private RabbitMQ node (virtual host <c>checkout-e2e</c>) and PostgreSQL cluster eng/test.sh starts, with a fresh
/// database per topology.
/// </summary>
public sealed class CheckoutTopology : IAsyncDisposable
{
    public const string VirtualHost = "checkout-e2e";

    private static readonly string[] Queues =
    [
        "checkout-state", "reserve-inventory", "release-inventory", "charge-payment", "refund-payment",
        "confirm-order", "generate-invoice", "send-confirmation", "update-crm",
    ];

    private readonly Dictionary<string, string> _environment;

    private CheckoutTopology(Dictionary<string, string> environment, string output)
    {
        _environment = environment;
        Output = output;
        Functions = new ServiceProcess("Checkout.FunctionHost", environment);
        environment["Checkout__FunctionsUrl"] = Functions.Address.ToString();
        Worker = new ServiceProcess("Checkout.Worker", environment);
        Api = new ServiceProcess("Checkout.Api", environment);
        Http = new HttpClient { BaseAddress = Api.Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The virtual host of these tests on the private RabbitMQ node eng/test.sh starts.</summary>
    public static Uri Broker => new(
        new Uri(Environment.GetEnvironmentVariable("SAGAS_TEST_RABBITMQ")
            ?? throw new InvalidOperationException("SAGAS_TEST_RABBITMQ is not set: run the tests through eng/test.sh, which starts a private RabbitMQ node (and creates the checkout-e2e virtual host).")),
        VirtualHost);

    public ServiceProcess Functions { get; }

    public ServiceProcess Worker { get; private set; }

    public ServiceProcess Api { get; }

    public HttpClient Http { get; }

    /// <summary>Where the function host writes invoices (<c>invoices/</c>) and mail (<c>mail/</c>).</summary>
    public string Output { get; }

    /// <summary>The API's sign-in key of the inspector's readers.</summary>
    public const string InspectorReaderKey = "e2e-reader-key";

    /// <summary>The API's sign-in key of the inspector's operators.</summary>
    public const string InspectorOperatorKey = "e2e-operator-key";

    public static async Task<CheckoutTopology> StartAsync(string name)
    {
        var postgres = await FreshDatabaseAsync(name);
        var broker = Broker;
        await PurgeAsync(broker);
        var output = Directory.CreateTempSubdirectory("checkout-e2e-").FullName;
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = postgres,
            ["ConnectionStrings__RabbitMq"] = broker.ToString(),
            ["Checkout__OutputDirectory"] = Path.Combine(output, "invoices"),
            ["Checkout__PickupDirectory"] = Path.Combine(output, "mail"),
            ["Inspector__ReaderKey"] = InspectorReaderKey,
            ["Inspector__OperatorKey"] = InspectorOperatorKey,
        };
        var topology = new CheckoutTopology(environment, output);
        await topology.Functions.StartAsync();
        await topology.Worker.StartAsync(); // creates the schema (the API would too: both may start first)
        await topology.Api.StartAsync();
        return topology;
    }

    /// <summary>SIGKILLs the worker and starts a new one on the same database and queues.</summary>
    public async Task RestartWorkerAfterKillAsync(TimeSpan downtime)
    {
        await Worker.KillAsync();
        await Worker.DisposeAsync();
        await Task.Delay(downtime);
        Worker = new ServiceProcess("Checkout.Worker", _environment);
        await Worker.StartAsync();
    }

    /// <summary>Posts an order; returns the Location answered with 202.</summary>
    public async Task<Uri> SubmitAsync(OrderSubmitted order)
    {
        using var response = await Http.PostAsJsonAsync("/orders", order);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"POST /orders answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        return response.Headers.Location ?? throw new InvalidOperationException("202 without a Location");
    }

    /// <summary>Polls the order until its saga is terminal.</summary>
    public async Task<JsonElement> WaitTerminalAsync(Uri location, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        string last = "never started";
        while (DateTime.UtcNow < until)
        {
            using var response = await Http.GetAsync(location);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var order = await response.Content.ReadFromJsonAsync<JsonElement>();
                last = order.GetProperty("state").GetString()!;
                if (last is "Completed" or "Rejected" or "Compensated" or "Faulted")
                {
                    return order;
                }
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"order {location} did not finish within {timeout}: last state {last}\nworker log:\n{Worker.Log}");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Api.DisposeAsync();
        await Worker.DisposeAsync();
        await Functions.DisposeAsync();
        try
        {
            Directory.Delete(Output, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A new, empty database for <paramref name="name"/>; returns its connection string.</summary>
    public static async Task<string> FreshDatabaseAsync(string name)
    {
        var letters = new string([.. name.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit)]);
        var database = "e2e_" + letters[..Math.Min(40, letters.Length)]; // a name with other characters was cut past its end
        await using (var connection = new NpgsqlConnection(PostgresDatabase.ConnectionString))
        {
            await connection.OpenAsync();
            await using (var drop = new NpgsqlCommand($"drop database if exists {database} with (force)", connection))
            {
                await drop.ExecuteNonQueryAsync();
            }

            await using var create = new NpgsqlCommand($"create database {database}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(PostgresDatabase.ConnectionString) { Database = database }.ConnectionString;
    }

    private static async Task PurgeAsync(Uri broker)
    {
        await using var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync();
        foreach (var queue in Queues.SelectMany(q => new[] { q, q + "_error" }))
        {
            await using var channel = await connection.CreateChannelAsync();
            try
            {
                await channel.QueuePurgeAsync(queue);
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
            {
            }
        }
    }
}

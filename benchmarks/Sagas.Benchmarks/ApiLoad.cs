using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Checkout.Simulation;

namespace Sagas.Benchmarks;

/// <summary>
/// Drives the multi-process checkout through its HTTP API (eng/checkout-topology.sh --orders N): POST /orders with a
/// window of orders in flight, then GET /orders/{id} every 200 ms until the saga is terminal. Latency is from the POST
/// to the first GET that sees the terminal state (so it includes up to one polling interval, 200 ms: polling faster loads the API and the database more than the orders do).
/// Besides all orders' percentiles it reports the p99 of the orders not meant to fault (a CrmDown order waits out its
/// retry budget by design) and the p99 per scenario. The run ends when the last order is terminal, which is usually a
/// CrmDown order parked 20 s or so after it was placed; so it also reports when the last order not meant to fault ended,
/// and how many orders per second those were until then.
/// <para>With <c>--rate R</c> the load is open: order i is posted at i / R seconds whatever the others are doing, and its
/// latency counts from that moment, so a slow system shows as latency instead of slowing the load down. The window of
/// orders in flight is a closed loop: an order that waits out a retry budget holds its place in the window, and the
/// orders behind it wait too.</para>
/// </summary>
internal static class ApiLoad
{
    public static async Task RunAsync(Uri api, int count, int inFlight, double? rate, bool json)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = rate is null ? inFlight * 2 : 1024 }) { BaseAddress = api, Timeout = TimeSpan.FromSeconds(60) };
        await RunOnceAsync(http, Math.Min(50, count), inFlight, rate: null); // warm-up: JIT, pools, prepared statements
        var (elapsed, measured, mismatches) = await RunOnceAsync(http, count, inFlight, rate);
        var latencies = measured.Select(m => m.Ms).Order().ToList();
        var notFaultingOrders = measured.Where(m => m.Scenario != Scenario.CrmDown).ToList();
        var notFaulting = notFaultingOrders.Select(m => m.Ms).Order().ToList();
        var notFaultingEnded = notFaultingOrders.Max(m => m.EndedAt);
        var perScenario = measured.GroupBy(m => m.Scenario).OrderBy(g => g.Key)
            .ToDictionary(g => g.Key.ToString(), g => Percentile([.. g.Select(m => m.Ms).Order()], 0.99));
        var result = new
        {
            orders = count,
            inFlight = rate is null ? inFlight : (int?)null,
            offeredOrdersPerSecond = rate,
            ordersPerSecond = Math.Round(count / elapsed.TotalSeconds, 1),
            p50Ms = Percentile(latencies, 0.50),
            p95Ms = Percentile(latencies, 0.95),
            p99Ms = Percentile(latencies, 0.99),
            p99NotFaultingMs = Percentile(notFaulting, 0.99),
            notFaultingEndedAfterSeconds = Math.Round(notFaultingEnded.TotalSeconds, 1),
            notFaultingOrdersPerSecond = Math.Round(notFaulting.Count / notFaultingEnded.TotalSeconds, 1),
            elapsedSeconds = Math.Round(elapsed.TotalSeconds, 1),
            p99PerScenarioMs = perScenario,
            mismatches,
        };
        Console.WriteLine(json
            ? JsonSerializer.Serialize(result, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            : string.Create(CultureInfo.InvariantCulture, $"checkout through the API, {count} orders, {(rate is { } r ? $"offered at {r:0.#}/s" : $"{inFlight} in flight")}: {result.ordersPerSecond} orders/s (all terminal after {result.elapsedSeconds} s; the {notFaulting.Count} not meant to fault after {result.notFaultingEndedAfterSeconds} s, {result.notFaultingOrdersPerSecond}/s), p50 {result.p50Ms} ms, p95 {result.p95Ms} ms, p99 {result.p99Ms} ms (not meant to fault: {result.p99NotFaultingMs} ms; per scenario: {string.Join(", ", perScenario.Select(p => $"{p.Key} {p.Value}"))}), {mismatches} wrong terminal states"));
    }

    private static async Task<(TimeSpan Elapsed, List<(Scenario Scenario, double Ms, TimeSpan EndedAt)> Latencies, int Mismatches)> RunOnceAsync(HttpClient http, int count, int inFlight, double? rate)
    {
        var orders = OrderScenarios.CreateMix(count);
        var latencies = new List<(Scenario Scenario, double Ms, TimeSpan EndedAt)>(count);
        var mismatches = 0;
        using var window = new SemaphoreSlim(inFlight);
        var started = Stopwatch.GetTimestamp();
        var runs = orders.Select(async (order, i) =>
        {
            long t0;
            if (rate is { } perSecond)
            {
                t0 = started + (long)(i / perSecond * Stopwatch.Frequency); // its turn, kept even if the post is late
                if (Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), t0) is { Ticks: > 0 } wait)
                {
                    await Task.Delay(wait);
                }
            }
            else
            {
                await window.WaitAsync();
                t0 = Stopwatch.GetTimestamp();
            }

            try
            {
                using var post = await http.PostAsJsonAsync("/orders", order);
                if (post.StatusCode != HttpStatusCode.Accepted)
                {
                    throw new InvalidOperationException($"POST /orders answered {(int)post.StatusCode}: {await post.Content.ReadAsStringAsync()}");
                }

                var location = post.Headers.Location!;
                while (true)
                {
                    await Task.Delay(200);
                    using var get = await http.GetAsync(location);
                    if (get.StatusCode != HttpStatusCode.OK)
                    {
                        continue;
                    }

                    var state = (await get.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString();
                    if (state is "Completed" or "Rejected" or "Compensated" or "Faulted")
                    {
                        lock (latencies)
                        {
                            var scenario = OrderScenarios.ScenarioOf(order);
                            latencies.Add((scenario, Stopwatch.GetElapsedTime(t0).TotalMilliseconds, Stopwatch.GetElapsedTime(started)));
                            mismatches += state == OrderScenarios.ExpectedState(scenario) ? 0 : 1;
                        }

                        return;
                    }
                }
            }
            finally
            {
                if (rate is null)
                {
                    window.Release();
                }
            }
        });
        await Task.WhenAll(runs);
        return (Stopwatch.GetElapsedTime(started), latencies, mismatches);
    }

    private static double Percentile(List<double> sorted, double p) => Math.Round(Percentiles.Of(sorted, p), 1);
}

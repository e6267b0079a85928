using System.Text.Json;
using Checkout.Steps.Confirmations;
using Checkout.Steps.Invoices;
using Sagas.Steps;

namespace Checkout.Soak;

/// <summary>The checks of a soak, each from the outside: the API, the output folders, the broker, the processes.</summary>
internal sealed class Verdict
{
    private static readonly TimeSpan TempFilePatience = TimeSpan.FromSeconds(75);

    public required IReadOnlyList<Check> Checks { get; init; }

    public required IReadOnlyDictionary<string, long> ErrorQueues { get; init; }

    public required int Invoices { get; init; }

    public required int Emails { get; init; }

    public static async Task<Verdict> CheckAsync(IReadOnlyList<OrderRun> runs, Fleet fleet, Infrastructure infrastructure, OrderClient client, FaultInjector injector, int rejected)
    {
        var checks = new List<Check>();
        checks.Add(Check.Of("faults injected", injector.Done.All(f => f.Error is null), string.Join("; ", injector.Done.Select(f => $"{f.Fault} {f.Target}{(f.Error is null ? "" : ": " + f.Error)}"))));
        checks.Add(Check.Of("every order accepted", rejected == 0, $"{runs.Count - rejected} of {runs.Count} accepted (202)"));
        checks.Add(Check.Of("no 500 from the API", client.ServerErrors == 0, $"{client.ServerErrors} answers 5xx other than 503; {client.Unavailable} answers 503 with Retry-After; {client.ConnectionErrors} requests without an answer"));

        // An order the saga never started is lost, even one whose start event sat in a queue of a broker that was wiped: the
        // API's outbox keeps that event until the saga's inbox records it, and sends it again meanwhile.
        var lost = runs.Where(r => r.AcceptedAt is not null && r.Saga is null).ToList();
        checks.Add(Check.Of("no order lost", lost.Count == 0, $"{lost.Count} accepted and never started{Sample(lost)}"));

        var started = runs.Where(r => r.Saga is not null).ToList();
        var running = started.Where(r => !r.IsTerminal).ToList();
        checks.Add(Check.Of("every saga ended", running.Count == 0, $"{running.Count} of {started.Count} started sagas not terminal{Sample(running, r => $"{r.State}, last: {LastEntry(r)}")}"));

        var wrong = started.Where(r => r.IsTerminal && r.State != r.Expected).ToList();
        checks.Add(Check.Of("every saga in the state its data implies", wrong.Count == 0, $"{wrong.Count} in another state{Sample(wrong, r => $"{r.Scenario}: expected {r.Expected}, got {r.State} ({r.Saga?.GetProperty("reason")})")}"));

        var expected = runs.GroupBy(r => r.Expected).ToDictionary(g => g.Key, g => g.Count());
        var actual = started.Where(r => r.IsTerminal).GroupBy(r => r.State!).ToDictionary(g => g.Key, g => g.Count());
        checks.Add(Check.Of("count per terminal state", expected.OrderBy(e => e.Key).SequenceEqual(actual.OrderBy(a => a.Key)), $"expected {Counts(expected)}; got {Counts(actual)}"));

        var twice = started.Select(r => (Run: r, Repeated: Repeated(r.Saga!.Value))).Where(x => x.Repeated.Count > 0).ToList();
        checks.Add(Check.Of("no step or compensation completed twice", twice.Count == 0, $"{twice.Count} sagas{Sample(twice.Select(t => t.Run).ToList(), r => string.Join(", ", Repeated(r.Saga!.Value)))}"));

        var pastPivot = started.Where(r => r.PastPivot).ToList();
        var invoices = Files(fleet.Invoices, "*.pdf");
        var expectedInvoices = pastPivot.Select(r => Path.GetFileName(GenerateInvoiceHandler.PathOf(fleet.Invoices, r.Order.OrderId))).ToHashSet();
        checks.Add(Check.Of("one invoice per order past the pivot", invoices.SetEquals(expectedInvoices), $"{invoices.Count} PDFs for {expectedInvoices.Count} orders; missing {expectedInvoices.Except(invoices).Count()}, unexpected {invoices.Except(expectedInvoices).Count()}"));
        // The worker writes invoices while it keeps up; the rest overflow to the function host. Each says where it ran.
        var placements = pastPivot.Select(r => (Run: r, Placed: Placements(r.Saga!.Value, "GenerateInvoice"))).ToList();
        var unplaced = placements.Where(p => p.Placed.Count == 0).Select(p => p.Run).ToList();
        var placed = placements.SelectMany(p => p.Placed).GroupBy(p => p.StartsWith("overflow", StringComparison.Ordinal) ? "function host" : "worker").ToDictionary(g => g.Key, g => g.Count());
        checks.Add(Check.Of("each invoice's placement recorded", unplaced.Count == 0, $"{unplaced.Count} orders past the pivot without one{Sample(unplaced)}; invoice attempts placed on the worker {placed.GetValueOrDefault("worker")}, on the function host {placed.GetValueOrDefault("function host")}"));
        var emails = Files(fleet.Mail, "*.eml");
        var expectedEmails = pastPivot.Select(r => Path.GetFileName(SendConfirmationHandler.PathOf(fleet.Mail, StepContext.CreateIdempotencyKey(r.Order.OrderId, "SendConfirmation", isCompensation: false)))).ToHashSet();
        checks.Add(Check.Of("one email per order past the pivot", emails.SetEquals(expectedEmails), $"{emails.Count} emails for {expectedEmails.Count} orders; missing {expectedEmails.Except(emails).Count()}, unexpected {emails.Except(expectedEmails).Count()}"));

        var leftovers = await WaitForNoTemporaryFilesAsync(fleet);
        checks.Add(Check.Of("no temporary files left", leftovers == 0, $"{leftovers} .tmp files in the invoice and mail folders after {TempFilePatience.TotalSeconds:0} s"));

        var depths = await infrastructure.QueueDepthsAsync();
        var errorQueues = depths.Where(d => d.Key.EndsWith("_error", StringComparison.Ordinal) || d.Key.EndsWith("_skipped", StringComparison.Ordinal)).ToDictionary();
        var poisoned = new List<string>();
        foreach (var (queue, messages) in errorQueues.Where(e => e.Value > 0))
        {
            poisoned.Add($"{queue} {messages}, the first: {await infrastructure.PeekAsync(queue)}");
        }

        checks.Add(Check.Of("no message in any error queue", poisoned.Count == 0, poisoned.Count == 0 ? $"{errorQueues.Count} error and skipped queues, all empty" : string.Join(" | ", poisoned)));

        var dead = new List<string>();
        foreach (var service in fleet.All)
        {
            if (!await service.IsLiveAsync())
            {
                dead.Add(service.Name);
            }
        }

        checks.Add(Check.Of("every service alive", dead.Count == 0, dead.Count == 0 ? string.Join(", ", fleet.All.Select(s => $"{s.Name} (started {s.Starts}x)")) : "not answering: " + string.Join(", ", dead)));
        return new Verdict { Checks = checks, ErrorQueues = errorQueues, Invoices = invoices.Count, Emails = emails.Count };
    }

    private static List<string> Repeated(JsonElement saga)
        => [.. saga.GetProperty("history").EnumerateArray()
            .Select(e => (Step: e.GetProperty("step").GetString(), What: e.GetProperty("kind").GetString()))
            .Where(e => e.Step != "saga" && e.What is "completed" or "compensated")
            .GroupBy(e => e)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key.Step} {g.Key.What} x{g.Count()}")];

    private static List<string> Placements(JsonElement saga, string step)
        => [.. saga.GetProperty("history").EnumerateArray()
            .Where(e => e.GetProperty("step").GetString() == step && e.GetProperty("kind").GetString() == "placed")
            .Select(e => e.GetProperty("reason").GetString() ?? string.Empty)];

    private static string LastEntry(OrderRun run)
        => run.Saga?.GetProperty("history").EnumerateArray().LastOrDefault() is { ValueKind: JsonValueKind.Object } last
            ? $"{last.GetProperty("step").GetString()} {last.GetProperty("kind").GetString()} ({last.GetProperty("reason")})"
            : "none";

    private static HashSet<string> Files(string directory, string pattern)
        => Directory.Exists(directory) ? [.. Directory.EnumerateFiles(directory, pattern).Select(f => Path.GetFileName(f))] : [];

    private static async Task<int> WaitForNoTemporaryFilesAsync(Fleet fleet)
    {
        var until = DateTime.UtcNow + TempFilePatience;
        int count;
        while ((count = Files(fleet.Invoices, ".*.tmp").Count + Files(fleet.Mail, ".*.tmp").Count) > 0 && DateTime.UtcNow < until)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        return count;
    }

    private static string Counts(Dictionary<string, int> counts) => string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}"));

    private static string Sample(List<OrderRun> runs, Func<OrderRun, string>? describe = null)
        => runs.Count == 0 ? string.Empty : ": " + string.Join("; ", runs.Take(5).Select(r => describe is null ? r.Order.OrderId.ToString() : $"{r.Order.OrderId} {describe(r)}")) + (runs.Count > 5 ? "; ..." : string.Empty);
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Checkout.Contracts;
using Checkout.Steps;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sagas.Steps;

namespace Sagas.Benchmarks;

/// <summary>
/// What one invoice costs the process that writes it: the checkout's PDF handler (as <c>AddCheckoutInvoices</c> registers
/// it) called for N orders of two lines, one after the other, on one thread; reports CPU time per invoice and the size of
/// a file. Usage: <c>--invoice-cost [--invoices N]</c>. The first 200 invoices warm the JIT and the font cache and are
/// not measured.
/// </summary>
internal static class InvoiceCost
{
    public static async Task RunAsync(int invoices, bool json)
    {
        var folder = Path.Combine(Path.GetTempPath(), "sagas-invoice-cost-" + Guid.NewGuid().ToString("N"));
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Error));
        services.AddCheckoutInvoices(new ConfigurationBuilder().AddInMemoryCollection([new("Checkout:OutputDirectory", folder)]).Build());
        await using var provider = services.BuildServiceProvider();
        try
        {
            await WriteAsync(provider, 200);
            var cpuBefore = Environment.CpuUsage.TotalTime;
            var started = Stopwatch.GetTimestamp();
            await WriteAsync(provider, invoices);
            var elapsed = Stopwatch.GetElapsedTime(started);
            var cpuMs = (Environment.CpuUsage.TotalTime - cpuBefore).TotalMilliseconds / invoices;
            var files = Directory.GetFiles(folder, "*.pdf");
            var meanBytes = files.Average(f => new FileInfo(f).Length);
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(new { invoices, cpuMsPerInvoice = Math.Round(cpuMs, 3), wallMsPerInvoice = Math.Round(elapsed.TotalMilliseconds / invoices, 3), meanFileBytes = Math.Round(meanBytes) }, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
            }
            else
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"invoice PDF: {invoices} written, {cpuMs:0.000} ms CPU and {elapsed.TotalMilliseconds / invoices:0.000} ms wall each, {meanBytes / 1024:0.0} KiB a file"));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task WriteAsync(IServiceProvider provider, int count)
    {
        OrderLine[] lines = [new("SKU-BOOK", 2, 12.50m), new("SKU-MUG", 1, 8.00m)];
        for (var i = 0; i < count; i++)
        {
            using var scope = provider.CreateScope();
            var handler = scope.ServiceProvider.GetRequiredService<IStepHandler<GenerateInvoice, InvoiceGenerated>>();
            var orderId = Guid.CreateVersion7();
            await handler.HandleAsync(new GenerateInvoice(orderId, $"customer-{i}", lines, 33.00m), new StepContext(orderId, "GenerateInvoice", 1, isCompensation: false));
        }
    }
}

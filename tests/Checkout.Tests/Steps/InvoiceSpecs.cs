using Checkout.Contracts;
using Checkout.Steps.Effects;
using Checkout.Steps.Invoices;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PdfSharp.Pdf.IO;

namespace Checkout.Tests.Steps;

public sealed class When_an_invoice_is_generated : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly RecordedEffects _effects = new();
    private readonly GenerateInvoice _command = new(Guid.CreateVersion7(), "customer-7", [new OrderLine("SKU-BOOK", 2, 12.50m), new OrderLine("SKU-MUG", 1, 8.00m)], 33.00m);

    [Fact]
    public async Task It_is_a_valid_pdf_named_and_titled_by_the_invoice_number_derived_from_the_order()
    {
        var outcome = await Handler().HandleAsync(_command, Contexts.For(_command.OrderId, "GenerateInvoice"));

        var number = Assert.IsType<InvoiceGenerated>(outcome.Result).InvoiceNumber;
        Assert.Equal($"INV-{_command.OrderId.ToString("N").ToUpperInvariant()}", number);
        var path = Path.Combine(_folder.Path, "invoices", number + ".pdf");
        var bytes = await File.ReadAllBytesAsync(path);
        Assert.Equal("%PDF-"u8.ToArray(), bytes[..5]);
        using var pdf = PdfReader.Open(new MemoryStream(bytes), PdfDocumentOpenMode.Import);
        Assert.Equal(1, pdf.PageCount);
        Assert.Equal($"Invoice {number}", pdf.Info.Title);
        Assert.Equal([(_command.OrderId, StepEffectNames.InvoiceGenerated)], _effects.All);
    }

    [Fact]
    public async Task A_retry_with_the_same_key_returns_the_same_invoice_without_writing_a_second_file()
    {
        var first = await Handler().HandleAsync(_command, Contexts.For(_command.OrderId, "GenerateInvoice", attempt: 1));
        var path = Directory.GetFiles(Path.Combine(_folder.Path, "invoices")).Single();
        var written = File.GetLastWriteTimeUtc(path);
        var content = await File.ReadAllBytesAsync(path);

        var retry = await Handler().HandleAsync(_command, Contexts.For(_command.OrderId, "GenerateInvoice", attempt: 2));

        Assert.Equal(first.Result, retry.Result);
        Assert.Equal([path], Directory.GetFiles(Path.Combine(_folder.Path, "invoices"), "*", SearchOption.AllDirectories));
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
        Assert.Equal(content, await File.ReadAllBytesAsync(path));
        Assert.Single(_effects.All);
    }

    [Fact]
    public async Task Concurrent_duplicates_leave_one_whole_file_and_no_temporary_ones()
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(1, 4).Select(attempt => Handler().HandleAsync(_command, Contexts.For(_command.OrderId, "GenerateInvoice", attempt)).AsTask()));

        Assert.Single(outcomes.Select(o => o.Result).Distinct());
        var files = Directory.GetFiles(Path.Combine(_folder.Path, "invoices"), "*", SearchOption.AllDirectories);
        using var pdf = PdfReader.Open(Assert.Single(files), PdfDocumentOpenMode.Import);
        Assert.Equal(1, pdf.PageCount);
        Assert.Single(_effects.All);
    }

    [Fact]
    public void The_font_lookup_names_a_font_file_that_exists_on_this_machine()
        => Assert.True(File.Exists(InvoiceFonts.Locate()));

    public void Dispose() => _folder.Dispose();

    private GenerateInvoiceHandler Handler()
        => new(_folder.Options(), new FakeTimeProvider(new DateTimeOffset(2026, 3, 14, 9, 0, 0, TimeSpan.Zero)), _effects, NullLogger<GenerateInvoiceHandler>.Instance);
}

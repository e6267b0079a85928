using Checkout.Contracts;
using Checkout.Steps.Effects;
using Checkout.Steps.Invoices;
using Checkout.Steps.Output;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Checkout.Tests.Steps;

public sealed class When_a_function_host_died_in_the_middle_of_a_write : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task Its_stale_temporary_files_are_deleted_at_start_and_complete_files_are_kept()
    {
        var options = _folder.Options();
        var command = new GenerateInvoice(Guid.CreateVersion7(), "customer-1", [new OrderLine("SKU-BOOK", 1, 12.50m)], 12.50m);
        await new GenerateInvoiceHandler(options, _time, new RecordedEffects(), NullLogger<GenerateInvoiceHandler>.Instance)
            .HandleAsync(command, Contexts.For(command.OrderId, "GenerateInvoice"));
        var invoice = Directory.GetFiles(options.Value.OutputDirectory).Single();
        var written = File.GetLastWriteTimeUtc(invoice);
        Directory.CreateDirectory(options.Value.PickupDirectory);
        var staleInvoice = Leftover(options.Value.OutputDirectory, "INV-1.pdf", age: TimeSpan.FromMinutes(5));
        var staleMail = Leftover(options.Value.PickupDirectory, "c-1.eml", age: TimeSpan.FromMinutes(1));
        var inProgress = Leftover(options.Value.PickupDirectory, "c-2.eml", age: TimeSpan.FromSeconds(2)); // another replica is writing it

        var deleted = new AbandonedWritesCleanup(options, _time, NullLogger<AbandonedWritesCleanup>.Instance).CleanOnce();

        Assert.Equal(2, deleted);
        Assert.False(File.Exists(staleInvoice));
        Assert.False(File.Exists(staleMail));
        Assert.True(File.Exists(inProgress));
        Assert.Equal(written, File.GetLastWriteTimeUtc(invoice));
    }

    [Fact]
    public void Missing_folders_are_nothing_to_clean()
        => Assert.Equal(0, new AbandonedWritesCleanup(_folder.Options(o => o.OutputDirectory = Path.Combine(_folder.Path, "none")), _time, NullLogger<AbandonedWritesCleanup>.Instance).CleanOnce());

    public void Dispose() => _folder.Dispose();

    private string Leftover(string directory, string name, TimeSpan age)
    {
        var path = Path.Combine(directory, $".{name}.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(path, []);
        File.SetLastWriteTimeUtc(path, (_time.GetUtcNow() - age).UtcDateTime);
        return path;
    }
}

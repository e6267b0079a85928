using Checkout.Contracts;
using Checkout.Steps.Confirmations;
using Checkout.Steps.Effects;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using Sagas.Steps;

namespace Checkout.Tests.Steps;

public sealed class When_a_confirmation_is_sent_to_the_pickup_folder : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly RecordedEffects _effects = new();
    private readonly SendConfirmation _command = new(Guid.CreateVersion7(), "ada@example.com", "C-1234");

    [Fact]
    public async Task The_eml_parses_back_with_the_customer_the_confirmation_number_and_a_message_id_from_the_key()
    {
        var context = Contexts.For(_command.OrderId, "SendConfirmation");

        var outcome = await Handler().HandleAsync(_command, context);

        Assert.Null(outcome.FailureReason);
        var file = Assert.Single(Directory.GetFiles(Path.Combine(_folder.Path, "mail")));
        Assert.EndsWith(".eml", file, StringComparison.Ordinal);
        using var message = await MimeMessage.LoadAsync(file);
        Assert.Equal("ada@example.com", Assert.IsType<MailboxAddress>(Assert.Single(message.To)).Address);
        Assert.Equal("orders@checkout.example.com", Assert.IsType<MailboxAddress>(Assert.Single(message.From)).Address);
        Assert.Contains("C-1234", message.Subject, StringComparison.Ordinal);
        Assert.Equal($"{_command.OrderId:N}-sendconfirmation@checkout.example.com", message.MessageId);
        Assert.Contains("C-1234", message.TextBody, StringComparison.Ordinal);
        Assert.Equal(context.IdempotencyKey, message.Headers["X-Idempotency-Key"]);
        Assert.Equal([(_command.OrderId, StepEffectNames.ConfirmationSent)], _effects.All);
    }

    [Fact]
    public async Task A_retry_with_the_same_key_does_not_write_the_message_again()
    {
        await Handler().HandleAsync(_command, Contexts.For(_command.OrderId, "SendConfirmation", attempt: 1));
        var file = Directory.GetFiles(Path.Combine(_folder.Path, "mail")).Single();
        var content = await File.ReadAllBytesAsync(file);

        var retry = await Handler(new DateTimeOffset(2026, 3, 14, 10, 0, 0, TimeSpan.Zero)).HandleAsync(_command, Contexts.For(_command.OrderId, "SendConfirmation", attempt: 2));

        Assert.Null(retry.FailureReason);
        Assert.Equal([file], Directory.GetFiles(Path.Combine(_folder.Path, "mail"), "*", SearchOption.AllDirectories));
        Assert.Equal(content, await File.ReadAllBytesAsync(file)); // the first message, with its date, is kept
        Assert.Single(_effects.All);
    }

    [Fact]
    public async Task An_address_that_is_not_one_is_a_business_failure()
    {
        var outcome = await Handler().HandleAsync(_command with { CustomerEmail = "not an address" }, Contexts.For(_command.OrderId, "SendConfirmation"));

        Assert.Equal("'not an address' is not an email address", outcome.FailureReason);
        Assert.Empty(_effects.All);
    }

    public void Dispose() => _folder.Dispose();

    private SendConfirmationHandler Handler(DateTimeOffset? now = null)
        => new(_folder.Options(), new FakeTimeProvider(now ?? new DateTimeOffset(2026, 3, 14, 9, 0, 0, TimeSpan.Zero)), _effects, NullLogger<SendConfirmationHandler>.Instance);
}

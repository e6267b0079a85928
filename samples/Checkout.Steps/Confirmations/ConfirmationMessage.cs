using Checkout.Contracts;
using MimeKit;
using Sagas.Steps;

namespace Checkout.Steps.Confirmations;

/// <summary>Builds the confirmation email of an order.</summary>
internal static class ConfirmationMessage
{
    /// <summary>
    /// The Message-Id of the confirmation for <paramref name="idempotencyKey"/>: the same for every attempt, so a mail
    /// server or a reader can recognise a duplicate. Without angle brackets, as <see cref="MimeMessage.MessageId"/> takes it.
    /// </summary>
    public static string MessageIdOf(string idempotencyKey, MailboxAddress from)
        => $"{Output.AtomicFile.SafeName(idempotencyKey).ToLowerInvariant()}@{(from.Domain is { Length: > 0 } domain ? domain : "checkout.example.com")}";

    /// <summary>The message for <paramref name="command"/>.</summary>
    public static MimeMessage Create(SendConfirmation command, StepContext context, MailboxAddress from, DateTimeOffset date)
    {
        var message = new MimeMessage
        {
            Subject = $"Your order is confirmed: {command.ConfirmationNumber}",
            Date = date,
            MessageId = MessageIdOf(context.IdempotencyKey, from),
            Body = new TextPart("plain")
            {
                Text = $"""
                    Hello,

                    thank you for your order. It is confirmed under number {command.ConfirmationNumber}.
                    Order reference: {command.OrderId}

                    Your invoice follows separately.

                    -- 
                    Sagas checkout sample
                    """,
            },
        };
        message.From.Add(from);
        message.To.Add(MailboxAddress.Parse(command.CustomerEmail));
        message.Headers.Add("X-Idempotency-Key", context.IdempotencyKey);
        return message;
    }
}

using System.Text;
using Checkout.Contracts;
using Checkout.Steps.Effects;
using Checkout.Steps.Output;
using MailKit;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Sagas.Steps;

namespace Checkout.Steps.Confirmations;

/// <summary>
/// Emails the order confirmation: a MIME message whose Message-Id derives from <see cref="StepContext.IdempotencyKey"/>,
/// written as <c>{key}.eml</c> to <see cref="CheckoutStepsOptions.PickupDirectory"/>, or sent through the SMTP server of
/// <see cref="CheckoutStepsOptions.Smtp"/> when one is configured.
/// </summary>
/// <remarks>
/// Idempotent: a pickup file (or, with SMTP, a <c>.sent</c> marker written after the server accepted the message) that
/// exists for the key means the message went out, so it is not written or sent again. With SMTP a crash between the
/// server's acceptance and the marker sends it twice, with the same Message-Id. An address the server refuses for good
/// (5xx on the sender or recipient) is a business failure; a connection failure or a 4xx throws, so the step is retried.
/// </remarks>
public sealed partial class SendConfirmationHandler(
    IOptions<CheckoutStepsOptions> options,
    TimeProvider time,
    IStepEffects effects,
    ILogger<SendConfirmationHandler> logger) : IStepHandler<SendConfirmation, Done>
{
    /// <summary>The pickup file of the confirmation with <paramref name="idempotencyKey"/>.</summary>
    public static string PathOf(string pickupDirectory, string idempotencyKey) => Path.Combine(pickupDirectory, AtomicFile.SafeName(idempotencyKey) + ".eml");

    /// <inheritdoc />
    public async ValueTask<StepOutcome<Done>> HandleAsync(SendConfirmation command, StepContext context)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(context);
        var settings = options.Value;
        if (!MailboxAddress.TryParse(command.CustomerEmail, out var to) || to is null)
        {
            return StepOutcome.Fail($"'{command.CustomerEmail}' is not an email address");
        }

        var message = ConfirmationMessage.Create(command, context, MailboxAddress.Parse(settings.MailFrom), time.GetUtcNow());
        var path = PathOf(settings.PickupDirectory, context.IdempotencyKey);
        if (settings.Smtp.Host is null)
        {
            var written = await AtomicFile.CreateAsync(path, (stream, token) => message.WriteToAsync(stream, token), context.CancellationToken).ConfigureAwait(false);
            Report(command, message, path, written);
            return Done.Value;
        }

        var marker = Path.ChangeExtension(path, ".sent");
        if (File.Exists(marker))
        {
            Report(command, message, marker, created: false);
            return Done.Value;
        }

        try
        {
            await SendAsync(settings.Smtp, message, context.CancellationToken).ConfigureAwait(false);
        }
        catch (SmtpCommandException ex) when ((int)ex.StatusCode >= 500 && ex.ErrorCode is SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.SenderNotAccepted)
        {
            return StepOutcome.Fail($"the mail server refused {ex.Mailbox?.Address ?? command.CustomerEmail}: {(int)ex.StatusCode} {ex.Message}");
        }

        var recorded = await AtomicFile.CreateAsync(marker, (stream, token) => stream.WriteAsync(Encoding.UTF8.GetBytes(message.MessageId + "\n"), token).AsTask(), CancellationToken.None).ConfigureAwait(false);
        Report(command, message, $"{settings.Smtp.Host}:{settings.Smtp.Port}", recorded);
        return Done.Value;
    }

    private static async Task SendAsync(SmtpOptions smtp, MimeMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(smtp.Host);
        using var client = new SmtpClient();
        await client.ConnectAsync(smtp.Host, smtp.Port, smtp.Security, cancellationToken).ConfigureAwait(false);
        if (smtp.UserName is not null)
        {
            await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? string.Empty, cancellationToken).ConfigureAwait(false);
        }

        await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
        await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
    }

    private void Report(SendConfirmation command, MimeMessage message, string where, bool created)
    {
        if (created)
        {
            effects.Happened(command.OrderId, StepEffectNames.ConfirmationSent);
            LogSent(logger, command.ConfirmationNumber, command.CustomerEmail, where, message.MessageId ?? string.Empty);
        }
        else
        {
            LogAlreadySent(logger, command.ConfirmationNumber, message.MessageId ?? string.Empty);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Confirmation {Confirmation} to {Email} went to {Where} (Message-Id {MessageId})")]
    private static partial void LogSent(ILogger logger, string confirmation, string email, string where, string messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Confirmation {Confirmation} (Message-Id {MessageId}) already went out: not sent again")]
    private static partial void LogAlreadySent(ILogger logger, string confirmation, string messageId);
}

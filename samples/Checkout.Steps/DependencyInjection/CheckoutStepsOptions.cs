using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Checkout.Steps;

/// <summary>
/// Settings of the checkout's step functions, bound from the <c>Checkout</c> configuration section
/// (<c>Checkout:OutputDirectory</c>, <c>Checkout:PickupDirectory</c>, <c>Checkout:CrmUrl</c>, <c>Checkout:Smtp:Host</c>, ...)
/// and validated at start.
/// </summary>
public sealed class CheckoutStepsOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Checkout";

    /// <summary>Where invoice PDFs are written. Default <c>{temp}/sagas-checkout/invoices</c>.</summary>
    public string OutputDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "sagas-checkout", "invoices");

    /// <summary>
    /// The mail pickup folder: confirmation messages are written here as <c>.eml</c> files when no SMTP server is configured;
    /// with one, the folder keeps a <c>.sent</c> marker per message so a retry does not send it again.
    /// Default <c>{temp}/sagas-checkout/mail</c>.
    /// </summary>
    public string PickupDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "sagas-checkout", "mail");

    /// <summary>
    /// The CRM endpoint that records an order (<c>POST</c>, JSON body, <c>Idempotency-Key</c> header). Required.
    /// A relative URL (e.g. <c>/sandbox/crm</c>) is resolved against the address this process's own HTTP server listens on,
    /// which is how a function host points the client at its own sandbox CRM.
    /// </summary>
    public Uri? CrmUrl { get; set; }

    /// <summary>Time one CRM call may take before it counts as a transient failure. Default 5 seconds.</summary>
    public TimeSpan CrmTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many times one CRM call is tried again, within the step's attempt, after a 5xx, 408 or 429 answer or a failed
    /// connection (not after a timeout): short blips are absorbed here, longer outages by the saga's retries of the step.
    /// The same <c>Idempotency-Key</c> goes with every try. Default 3; 0 turns it off.
    /// </summary>
    public int CrmRetries { get; set; } = 3;

    /// <summary>The delay before the first of <see cref="CrmRetries"/>, doubling for each next one, with jitter. Default 100 ms.</summary>
    public TimeSpan CrmRetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The sender of confirmation messages (an RFC 5322 address). Default <c>Checkout &lt;orders@checkout.example.com&gt;</c>.</summary>
    public string MailFrom { get; set; } = "Checkout <orders@checkout.example.com>";

    /// <summary>The SMTP server; when <see cref="SmtpOptions.Host"/> is set, messages are sent instead of written to the pickup folder.</summary>
    public SmtpOptions Smtp { get; } = new();
}

/// <summary>How confirmation messages reach an SMTP server (<c>Checkout:Smtp:*</c>).</summary>
public sealed class SmtpOptions
{
    /// <summary>The server's host name; <see langword="null"/> (the default) writes messages to the pickup folder instead.</summary>
    public string? Host { get; set; }

    /// <summary>The server's port. Default 25.</summary>
    public int Port { get; set; } = 25;

    /// <summary>
    /// TLS: <c>Auto</c> (the default: TLS on connect for port 465, else STARTTLS when the server offers it), <c>None</c>,
    /// <c>SslOnConnect</c>, <c>StartTls</c> or <c>StartTlsWhenAvailable</c>.
    /// </summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.Auto;

    /// <summary>User name, when the server requires authentication.</summary>
    public string? UserName { get; set; }

    /// <summary>Password for <see cref="UserName"/>; keep it in a secret store, not in a file.</summary>
    public string? Password { get; set; }
}

/// <summary>Checks <see cref="CheckoutStepsOptions"/> at start, naming each setting that is wrong.</summary>
internal sealed class CheckoutStepsOptionsValidator : IValidateOptions<CheckoutStepsOptions>
{
    public ValidateOptionsResult Validate(string? name, CheckoutStepsOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.OutputDirectory))
        {
            failures.Add("Checkout:OutputDirectory must name a folder for the invoice PDFs.");
        }

        if (string.IsNullOrWhiteSpace(options.PickupDirectory))
        {
            failures.Add("Checkout:PickupDirectory must name the mail pickup folder.");
        }

        if (options.CrmUrl is null)
        {
            failures.Add("Checkout:CrmUrl is required: the CRM endpoint that records orders (e.g. https://crm.example.com/orders), or a path on this host such as /sandbox/crm for the sandbox CRM.");
        }
        else if (options.CrmUrl.IsAbsoluteUri && options.CrmUrl.Scheme is not ("http" or "https"))
        {
            failures.Add($"Checkout:CrmUrl must be an http or https URL, got '{options.CrmUrl}'.");
        }

        if (options.CrmTimeout <= TimeSpan.Zero)
        {
            failures.Add("Checkout:CrmTimeout must be positive.");
        }

        if (options.CrmRetries is < 0 or > 10)
        {
            failures.Add($"Checkout:CrmRetries must be between 0 and 10, got {options.CrmRetries}.");
        }

        if (options.CrmRetryDelay < TimeSpan.Zero || options.CrmRetryDelay > TimeSpan.FromSeconds(10))
        {
            failures.Add($"Checkout:CrmRetryDelay must be between 00:00:00 and 00:00:10, got {options.CrmRetryDelay}.");
        }

        if (!MailboxAddress.TryParse(options.MailFrom, out _))
        {
            failures.Add($"Checkout:MailFrom must be an email address such as 'Shop <orders@shop.example>', got '{options.MailFrom}'.");
        }

        if (options.Smtp.Port is < 1 or > 65535)
        {
            failures.Add($"Checkout:Smtp:Port must be between 1 and 65535, got {options.Smtp.Port}.");
        }

        if (options.Smtp.Host is not null && string.IsNullOrWhiteSpace(options.Smtp.Host))
        {
            failures.Add("Checkout:Smtp:Host must be a host name when set.");
        }

        if (options.Smtp.UserName is not null && options.Smtp.Password is null)
        {
            failures.Add("Checkout:Smtp:Password is required when Checkout:Smtp:UserName is set.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

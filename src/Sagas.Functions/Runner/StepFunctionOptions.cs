using Microsoft.Extensions.Options;

namespace Sagas.Functions.Runner;

/// <summary>Options of <see cref="StepFunctionRunner"/>, validated at start.</summary>
public sealed class StepFunctionOptions
{
    /// <summary>
    /// The CloudEvents <c>source</c> of replies (<c>dev.sagas.step.completed.v1</c> / <c>dev.sagas.step.failed.v1</c>):
    /// a URI-reference naming this function app. Default <c>/sagas/functions</c>.
    /// </summary>
    public Uri Source { get; set; } = new("/sagas/functions", UriKind.Relative);

    /// <summary>
    /// Names this endpoint in inbox keys (endpoint + command <c>source</c> + <c>id</c>) and in reply ids. Give each
    /// function app that shares one durable inbox its own name. Default <c>step-functions</c>.
    /// </summary>
    public string EndpointName { get; set; } = "step-functions";

    /// <summary>How long a reply is remembered; a duplicate arriving later runs the handler again. Default 7 days.</summary>
    public TimeSpan InboxRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long an execution's claim on a command blocks duplicates (which are answered "in progress") before a
    /// redelivery may run the command again; make it longer than the slowest handler. Default 5 minutes.
    /// </summary>
    public TimeSpan InboxClaimTimeout { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Validates <see cref="StepFunctionOptions"/> with messages that name the setting.</summary>
internal sealed class StepFunctionOptionsValidator : IValidateOptions<StepFunctionOptions>
{
    public ValidateOptionsResult Validate(string? name, StepFunctionOptions options)
    {
        var failures = new List<string>();
        if (options.Source is null || options.Source.OriginalString.Length == 0)
        {
            failures.Add($"{nameof(StepFunctionOptions)}.{nameof(StepFunctionOptions.Source)} must be a non-empty URI-reference (e.g. /sagas/functions).");
        }

        if (string.IsNullOrWhiteSpace(options.EndpointName))
        {
            failures.Add($"{nameof(StepFunctionOptions)}.{nameof(StepFunctionOptions.EndpointName)} must not be empty.");
        }

        if (options.InboxRetention <= TimeSpan.Zero)
        {
            failures.Add($"{nameof(StepFunctionOptions)}.{nameof(StepFunctionOptions.InboxRetention)} must be positive, got {options.InboxRetention}.");
        }

        if (options.InboxClaimTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{nameof(StepFunctionOptions)}.{nameof(StepFunctionOptions.InboxClaimTimeout)} must be positive, got {options.InboxClaimTimeout}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

using Microsoft.Extensions.Options;

namespace Sagas;

/// <summary>Validates <see cref="SagasOptions"/> at start, naming every setting that is wrong.</summary>
internal sealed class SagasOptionsValidator : IValidateOptions<SagasOptions>
{
    public ValidateOptionsResult Validate(string? name, SagasOptions options)
    {
        var failures = new List<string>();
        if (options.Source is null || options.Source.OriginalString.Length == 0)
        {
            failures.Add($"{nameof(SagasOptions)}.{nameof(SagasOptions.Source)} must be a non-empty URI-reference (e.g. /sagas).");
        }

        if (options.InboxRetention <= TimeSpan.Zero)
        {
            failures.Add($"{nameof(SagasOptions)}.{nameof(SagasOptions.InboxRetention)} must be positive, got {options.InboxRetention}.");
        }

        if (options.MaxConcurrencyRetries < 1)
        {
            failures.Add($"{nameof(SagasOptions)}.{nameof(SagasOptions.MaxConcurrencyRetries)} must be at least 1, got {options.MaxConcurrencyRetries}.");
        }

        if (options.ConcurrentMessageLimit < 1)
        {
            failures.Add($"{nameof(SagasOptions)}.{nameof(SagasOptions.ConcurrentMessageLimit)} must be at least 1, got {options.ConcurrentMessageLimit}.");
        }

        if (options.SweepInterval <= TimeSpan.Zero)
        {
            failures.Add($"{nameof(SagasOptions)}.{nameof(SagasOptions.SweepInterval)} must be positive, got {options.SweepInterval}.");
        }

        if (options.SweepGrace < TimeSpan.Zero)
        {
            failures.Add($"{nameof(SagasOptions)}.{nameof(SagasOptions.SweepGrace)} must not be negative, got {options.SweepGrace}.");
        }

        if (options.SweepBatchSize < 1)
        {
            failures.Add($"{nameof(SagasOptions)}.{nameof(SagasOptions.SweepBatchSize)} must be at least 1, got {options.SweepBatchSize}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

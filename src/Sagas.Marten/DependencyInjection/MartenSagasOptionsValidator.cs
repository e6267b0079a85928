using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Sagas.Marten;

/// <summary>Validates <see cref="MartenSagasOptions"/> at start, naming every setting that is wrong.</summary>
internal sealed partial class MartenSagasOptionsValidator : IValidateOptions<MartenSagasOptions>
{
    private const string Prefix = nameof(MartenSagasOptions) + ".";

    public ValidateOptionsResult Validate(string? name, MartenSagasOptions options)
    {
        var failures = new List<string>();
        Check(failures, !string.IsNullOrWhiteSpace(options.ConnectionString), $"{Prefix}{nameof(options.ConnectionString)} is required.");
        Check(failures, options.SchemaName is not null && Identifier().IsMatch(options.SchemaName), $"{Prefix}{nameof(options.SchemaName)} must be a lower-case PostgreSQL identifier, got '{options.SchemaName}'.");
        Check(failures, options.InlineSendTimeout > TimeSpan.Zero, $"{Prefix}{nameof(options.InlineSendTimeout)} must be positive, got {options.InlineSendTimeout}.");
        Check(failures, options.RelayTakeoverDelay >= TimeSpan.Zero, $"{Prefix}{nameof(options.RelayTakeoverDelay)} must not be negative, got {options.RelayTakeoverDelay}.");
        Check(failures, options.RelaySendRetries is >= 0 and <= 100, $"{Prefix}{nameof(options.RelaySendRetries)} must be between 0 and 100, got {options.RelaySendRetries}.");
        Check(failures, options.RelaySendRetryDelay > TimeSpan.Zero && options.RelaySendRetryDelay <= options.RelaySendRetryMaxDelay, $"{Prefix}{nameof(options.RelaySendRetryDelay)} must be positive and at most RelaySendRetryMaxDelay, got {options.RelaySendRetryDelay}.");
        Check(failures, options.RelayBatchSize is > 0 and <= 10_000, $"{Prefix}{nameof(options.RelayBatchSize)} must be between 1 and 10000, got {options.RelayBatchSize}.");
        Check(failures, options.RelayPollInterval > TimeSpan.Zero, $"{Prefix}{nameof(options.RelayPollInterval)} must be positive, got {options.RelayPollInterval}.");
        Check(failures, options.RelayBatchWindow >= TimeSpan.Zero && options.RelayBatchWindow < options.RelayPollInterval, $"{Prefix}{nameof(options.RelayBatchWindow)} must be between zero and RelayPollInterval, got {options.RelayBatchWindow}.");
        Check(failures, options.UnconfirmedResendDelay >= TimeSpan.Zero, $"{Prefix}{nameof(options.UnconfirmedResendDelay)} must not be negative, got {options.UnconfirmedResendDelay}.");
        Check(failures, options.UnconfirmedResendDelay <= TimeSpan.Zero || options.UnconfirmedResendWindow > options.UnconfirmedResendDelay, $"{Prefix}{nameof(options.UnconfirmedResendWindow)} must be longer than UnconfirmedResendDelay, got {options.UnconfirmedResendWindow}.");
        Check(failures, options.InboxCleanupInterval > TimeSpan.Zero, $"{Prefix}{nameof(options.InboxCleanupInterval)} must be positive, got {options.InboxCleanupInterval}.");
        Check(failures, options.InboxCleanupBatchSize > 0, $"{Prefix}{nameof(options.InboxCleanupBatchSize)} must be positive, got {options.InboxCleanupBatchSize}.");
        Check(failures, options.GroupCommitWindow >= TimeSpan.Zero && options.GroupCommitWindow <= TimeSpan.FromSeconds(1), $"{Prefix}{nameof(options.GroupCommitWindow)} must be between zero and 1 second, got {options.GroupCommitWindow}.");
        Check(failures, options.MaxGroupSize is > 0 and <= 1000, $"{Prefix}{nameof(options.MaxGroupSize)} must be between 1 and 1000, got {options.MaxGroupSize}.");
        Check(failures, options.MaxGroupsInFlight is > 0 and <= 64, $"{Prefix}{nameof(options.MaxGroupsInFlight)} must be between 1 and 64, got {options.MaxGroupsInFlight}.");
        Check(failures, options.RevisionCacheSize >= 0, $"{Prefix}{nameof(options.RevisionCacheSize)} must not be negative, got {options.RevisionCacheSize}.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(List<string> failures, bool condition, string failure)
    {
        if (!condition)
        {
            failures.Add(failure);
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex Identifier();
}

using Microsoft.Extensions.Options;

namespace Sagas.Functions.PostgreSql;

/// <summary>Validates <see cref="PostgresStepInboxOptions"/> at start, naming every setting that is wrong.</summary>
internal sealed class PostgresStepInboxOptionsValidator : IValidateOptions<PostgresStepInboxOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgresStepInboxOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add($"{nameof(PostgresStepInboxOptions)}.{nameof(options.ConnectionString)} is required, e.g. \"Host=localhost;Database=shop;Username=functions;Password=...\".");
        }

        if (string.IsNullOrWhiteSpace(options.SchemaName) || !options.SchemaName.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            failures.Add($"{nameof(PostgresStepInboxOptions)}.{nameof(options.SchemaName)} must be lower-case letters, digits and underscores, got '{options.SchemaName}'.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

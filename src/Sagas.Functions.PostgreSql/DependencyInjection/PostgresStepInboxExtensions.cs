using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Sagas.Functions.Inbox;
using Sagas.Functions.PostgreSql;
using Sagas.Functions.PostgreSql.Inbox;
using Sagas.Functions.Runner;

namespace Sagas.Functions;

/// <summary>Keeps the step functions' inbox in PostgreSQL.</summary>
public static class PostgresStepInboxExtensions
{
    /// <summary>
    /// Replaces the in-memory inbox with <see cref="PostgresStepInbox"/>: a command runs once across restarts and
    /// instances, and duplicates get the first reply.
    /// </summary>
    /// <exception cref="InvalidOperationException">The options are incomplete; the message names the setting.</exception>
    public static StepFunctionsBuilder UsePostgresInbox(this StepFunctionsBuilder functions, Action<PostgresStepInboxOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(functions);
        ArgumentNullException.ThrowIfNull(configure);
        functions.AddHostOptions<PostgresStepInboxOptions, PostgresStepInboxOptionsValidator>(configure);
        functions.Services.RemoveAll<IStepInbox>();
        functions.Services.AddSingleton<IStepInbox>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<PostgresStepInboxOptions>>().Value;
            var function = sp.GetRequiredService<IOptions<StepFunctionOptions>>().Value;
            return new PostgresStepInbox(options.ConnectionString!, options.SchemaName, options.CreateTableIfMissing, sp.GetRequiredService<TimeProvider>(), function.InboxRetention, function.InboxClaimTimeout);
        });
        return functions;
    }
}

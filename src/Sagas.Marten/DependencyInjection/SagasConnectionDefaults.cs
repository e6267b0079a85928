using Npgsql;

namespace Sagas.Marten;

/// <summary>What Sagas sets on the connection string of its data source, unless the connection string already says.</summary>
internal static class SagasConnectionDefaults
{
    /// <summary>The server setting for generic plans, in the form the <c>Options</c> keyword passes it.</summary>
    private const string GenericPlans = "-c plan_cache_mode=force_generic_plan";

    /// <summary>
    /// Sets the defaults on <paramref name="connection"/>:
    /// <list type="bullet">
    /// <item><c>No Reset On Close</c>: no session state is kept, so the <c>DISCARD ALL</c> on every pooled use is skipped.</item>
    /// <item><c>Max Auto Prepare=64</c>, unless set: the hot statements are few and repeated, so each is prepared once per connection.</item>
    /// <item><c>plan_cache_mode=force_generic_plan</c> (through <c>Options</c>), unless <c>Options</c> sets it: a prepared
    /// statement is otherwise planned again for its parameters on each of its first five runs, and for good whenever
    /// PostgreSQL finds the generic plan no cheaper, which it did for some of the commit statements. The hot statements
    /// are key lookups and writes, whose plan does not depend on the values: planning was about a sixth of PostgreSQL's
    /// CPU in the durable benchmark, and generic plans made it 11–16 % faster.</item>
    /// </list>
    /// </summary>
    public static void Apply(NpgsqlConnectionStringBuilder connection)
    {
        connection.NoResetOnClose = true;
        if (connection.MaxAutoPrepare == 0)
        {
            connection.MaxAutoPrepare = 64;
        }

        if (connection.Options?.Contains("plan_cache_mode", StringComparison.OrdinalIgnoreCase) != true)
        {
            connection.Options = string.IsNullOrWhiteSpace(connection.Options) ? GenericPlans : $"{connection.Options} {GenericPlans}";
        }
    }
}

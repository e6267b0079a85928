using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sagas.Functions.PostgreSql;

namespace Sagas.Functions.PostgreSql.Tests.DependencyInjection;

public sealed class UsePostgresInboxTests
{
    [Fact]
    public void Every_wrong_setting_is_named_at_start()
    {
        var services = new ServiceCollection();
        services.AddStepFunctions(f => f.UsePostgresInbox(o => o.SchemaName = "Step-Inbox"));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PostgresStepInboxOptions>>().Value);

        Assert.Equal(
            [
                "PostgresStepInboxOptions.ConnectionString is required, e.g. \"Host=localhost;Database=shop;Username=functions;Password=...\".",
                "PostgresStepInboxOptions.SchemaName must be lower-case letters, digits and underscores, got 'Step-Inbox'.",
            ],
            error.Failures);
    }
}

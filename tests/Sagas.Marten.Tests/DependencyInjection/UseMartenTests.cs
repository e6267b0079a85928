using Checkout;
using Checkout.Saga;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Sagas.Marten;
using Sagas.Testing;

namespace Sagas.Marten.Tests.DependencyInjection;

public sealed class UseMartenTests
{
    [Fact]
    public void Every_wrong_setting_is_named_at_start()
    {
        var services = new ServiceCollection();
        services.AddSagas(s => s.AddCheckout().UseMarten(o =>
        {
            o.ConnectionString = " ";
            o.SchemaName = "Sagas-Schema";
            o.RelayBatchSize = 0;
            o.RelaySendRetries = -1;
            o.RelaySendRetryDelay = TimeSpan.FromSeconds(20);
            o.GroupCommitWindow = TimeSpan.FromSeconds(2);
            o.MaxGroupSize = 0;
            o.MaxGroupsInFlight = 65;
            o.RevisionCacheSize = -1;
            o.UnconfirmedResendWindow = TimeSpan.FromSeconds(30);
        }));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<MartenSagasOptions>>().Value);

        Assert.Equal(
            [
                "MartenSagasOptions.ConnectionString is required.",
                "MartenSagasOptions.SchemaName must be a lower-case PostgreSQL identifier, got 'Sagas-Schema'.",
                "MartenSagasOptions.RelaySendRetries must be between 0 and 100, got -1.",
                "MartenSagasOptions.RelaySendRetryDelay must be positive and at most RelaySendRetryMaxDelay, got 00:00:20.",
                "MartenSagasOptions.RelayBatchSize must be between 1 and 10000, got 0.",
                "MartenSagasOptions.UnconfirmedResendWindow must be longer than UnconfirmedResendDelay, got 00:00:30.",
                "MartenSagasOptions.GroupCommitWindow must be between zero and 1 second, got 00:00:02.",
                "MartenSagasOptions.MaxGroupSize must be between 1 and 1000, got 0.",
                "MartenSagasOptions.MaxGroupsInFlight must be between 1 and 64, got 65.",
                "MartenSagasOptions.RevisionCacheSize must not be negative, got -1.",
            ],
            error.Failures);
    }

    [Theory]
    [InlineData("Host=db;Database=shop", "-c plan_cache_mode=force_generic_plan", 64)]
    [InlineData("Host=db;Database=shop;Options=-c search_path=shop;Max Auto Prepare=8", "-c search_path=shop -c plan_cache_mode=force_generic_plan", 8)]
    [InlineData("Host=db;Database=shop;Options=-c plan_cache_mode=auto", "-c plan_cache_mode=auto", 64)]
    public void The_data_source_plans_once_and_keeps_what_the_connection_string_sets(string connectionString, string options, int maxAutoPrepare)
    {
        var services = new ServiceCollection();
        services.AddSagas(s => s.AddCheckout().UseMarten(o => o.ConnectionString = connectionString));
        using var provider = services.BuildServiceProvider();

        var connection = new NpgsqlConnectionStringBuilder(provider.GetRequiredService<NpgsqlDataSource>().ConnectionString);

        Assert.Equal(options, connection.Options);
        Assert.Equal(maxAutoPrepare, connection.MaxAutoPrepare);
        Assert.True(connection.NoResetOnClose);
    }

    [Fact]
    public async Task PostgreSQL_uses_generic_plans_on_the_data_source_s_connections()
    {
        var services = new ServiceCollection();
        services.AddSagas(s => s.AddCheckout().UseMarten(o => o.ConnectionString = PostgresDatabase.ConnectionString));
        await using var provider = services.BuildServiceProvider();
        await using var connection = await provider.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
        await using var show = new NpgsqlCommand("show plan_cache_mode", connection);

        Assert.Equal("force_generic_plan", await show.ExecuteScalarAsync());
    }

    [Fact]
    public void A_negative_resend_delay_is_named_and_zero_turns_the_resend_off()
    {
        Assert.Equal(
            ["MartenSagasOptions.UnconfirmedResendDelay must not be negative, got -00:00:01."],
            new MartenSagasOptionsValidator().Validate(null, new() { ConnectionString = "Host=db", UnconfirmedResendDelay = TimeSpan.FromSeconds(-1) }).Failures);
        Assert.True(new MartenSagasOptionsValidator().Validate(null, new() { ConnectionString = "Host=db", UnconfirmedResendDelay = TimeSpan.Zero, UnconfirmedResendWindow = TimeSpan.Zero }).Succeeded);
    }

    [Fact]
    public void The_options_bind_from_configuration_over_what_the_code_set()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sagas:PostgreSql:ConnectionString"] = "Host=db;Database=shop",
            ["Sagas:PostgreSql:RelayBatchSize"] = "50",
        }).Build();
        var services = new ServiceCollection();
        services.AddSagas(s => s.AddCheckout().UseMarten(o => o.SchemaName = "shop_sagas"));
        services.Configure<MartenSagasOptions>(configuration.GetSection("Sagas:PostgreSql"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<MartenSagasOptions>();

        Assert.Equal(("Host=db;Database=shop", "shop_sagas", 50), (options.ConnectionString, options.SchemaName, options.RelayBatchSize));
    }
}

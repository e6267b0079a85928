using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sagas.Functions.Http;
using Sagas.Functions.Inbox;
using Sagas.Functions.Runner;
using Sagas.Functions.Tests.Harness;
using Sagas.Steps;

namespace Sagas.Functions.Tests.DependencyInjection;

public class AddStepFunctionsTests
{
    [Fact]
    public void Calling_AddStepFunctions_again_configures_the_same_builder()
    {
        var services = new ServiceCollection();

        var first = services.AddStepFunctions(f => f.AddHandler<ReserveStock, StockReserved, ReserveStockHandler>());
        var second = services.AddStepFunctions(f => f.AddContracts(c => c.Add<AuditNote>()));

        Assert.Same(first, second);
        Assert.Single(services, d => d.ServiceType == typeof(StepFunctionRunner));
        Assert.Single(services, d => d.ServiceType == typeof(IStepInbox));
    }

    [Fact]
    public void Adding_the_same_handler_twice_is_a_no_op()
    {
        var services = new ServiceCollection();

        services.AddStepFunctions(f => f
            .AddHandler<ReserveStock, StockReserved, ReserveStockHandler>()
            .AddHandler<ReserveStock, StockReserved, ReserveStockHandler>());

        Assert.Single(services, d => d.ServiceType == typeof(IStepHandler<ReserveStock, StockReserved>));
    }

    [Fact]
    public void A_second_handler_for_a_command_is_refused()
    {
        var services = new ServiceCollection();

        var ex = Assert.Throws<InvalidOperationException>(() => services.AddStepFunctions(f => f
            .AddHandler<ReserveStock, StockReserved, ReserveStockHandler>()
            .AddHandler<ReserveStock, StockReserved, OtherReserveStockHandler>()));

        Assert.Equal("ReserveStock already has the step handler ReserveStockHandler: a command has exactly one handler per endpoint.", ex.Message);
    }

    [Fact]
    public void A_command_that_is_not_a_contract_is_refused()
    {
        var services = new ServiceCollection();

        var ex = Assert.Throws<InvalidOperationException>(() => services.AddStepFunctions(f => f.AddHandler<NotAContract, Done, NotAContractHandler>()));

        Assert.Contains("is not a contract", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_registered_inbox_is_kept()
    {
        var inbox = new InMemoryStepInbox(new FakeTimeProvider(), TimeSpan.FromHours(1), TimeSpan.FromMinutes(1));
        await using var host = new RunnerHost(inbox: inbox);

        await host.Runner.RunAsync(Commands.ReserveStock(Guid.NewGuid()));

        Assert.Same(inbox, host.Services.GetRequiredService<IStepInbox>());
        Assert.Equal(1, inbox.Count);
    }

    [Fact]
    public async Task Runner_works_without_logging_registered()
    {
        // A Lambda-style host may build a bare service provider.
        var services = new ServiceCollection();
        services.AddSingleton<HandlerProbe>();
        services.AddStepFunctions(f => f.AddHandler<ReserveStock, StockReserved, ReserveStockHandler>());
        await using var provider = services.BuildServiceProvider();

        var result = await provider.GetRequiredService<StepFunctionRunner>().RunAsync(Commands.ReserveStock(Guid.NewGuid()));

        Assert.Equal(StepFunctionStatus.Replied, result.Status);
    }

    [Fact]
    public async Task Invalid_runner_options_fail_at_start_naming_every_setting()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => FunctionApp.StartAsync(runner: o =>
        {
            o.InboxRetention = TimeSpan.Zero;
            o.InboxClaimTimeout = TimeSpan.FromSeconds(-1);
            o.EndpointName = " ";
        }));

        Assert.Contains("StepFunctionOptions.InboxRetention must be positive, got 00:00:00.", ex.Message, StringComparison.Ordinal);
        Assert.Contains("StepFunctionOptions.InboxClaimTimeout must be positive", ex.Message, StringComparison.Ordinal);
        Assert.Contains("StepFunctionOptions.EndpointName must not be empty.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_http_options_fail_at_start_naming_every_setting()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => FunctionApp.StartAsync(http =>
        {
            http.MaxRequestBodySize = 0;
            http.SignatureSecret = "short";
            http.SignatureHeaderName = "X Bad Header";
            http.AllowedOrigins = [];
            http.AllowedRate = 0;
        }));

        Assert.Contains("StepFunctionHttpOptions.MaxRequestBodySize must be positive, got 0.", ex.Message, StringComparison.Ordinal);
        Assert.Contains("StepFunctionHttpOptions.SignatureSecret must be at least 16 characters", ex.Message, StringComparison.Ordinal);
        Assert.Contains("StepFunctionHttpOptions.SignatureHeaderName must be an HTTP header name, got 'X Bad Header'.", ex.Message, StringComparison.Ordinal);
        Assert.Contains("StepFunctionHttpOptions.AllowedOrigins must list at least one origin", ex.Message, StringComparison.Ordinal);
        Assert.Contains("StepFunctionHttpOptions.AllowedRate must be a positive number", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_options_fail_when_the_host_starts_even_without_MapStepFunctions()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--urls", "http://127.0.0.1:0"] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<HandlerProbe>();
        builder.Services.AddStepFunctions(f => f
            .AddHandler<ReserveStock, StockReserved, ReserveStockHandler>()
            .Configure(o => o.InboxRetention = TimeSpan.Zero));
        await using var app = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("StepFunctionOptions.InboxRetention", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapStepFunctions_without_AddStepFunctions_says_what_is_missing()
    {
        var builder = WebApplication.CreateSlimBuilder();
        await using var app = builder.Build();

        var ex = Assert.Throws<InvalidOperationException>(() => app.MapStepFunctions("/steps"));

        Assert.Contains("services.AddStepFunctions", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sagas_Functions_does_not_depend_on_MassTransit()
    {
        var references = typeof(StepFunctionRunner).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.DoesNotContain(references, name => name.StartsWith("MassTransit", StringComparison.Ordinal));
        Assert.Contains("Sagas.Contracts", references);
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name!.StartsWith("MassTransit", StringComparison.Ordinal));
    }

    [Fact]
    public void Http_options_default_to_one_MiB_no_signature_and_every_origin()
    {
        var options = new StepFunctionHttpOptions();

        Assert.Equal((1_048_576, null, "X-Sagas-Signature", null), (options.MaxRequestBodySize, options.SignatureSecret, options.SignatureHeaderName, options.AllowedRate));
        Assert.Equal(["*"], options.AllowedOrigins);
    }

    private sealed class OtherReserveStockHandler : IStepHandler<ReserveStock, StockReserved>
    {
        public ValueTask<StepOutcome<StockReserved>> HandleAsync(ReserveStock command, StepContext context)
            => ValueTask.FromResult<StepOutcome<StockReserved>>(new StockReserved("other", command.Quantity));
    }

    public sealed record NotAContract(string Value);

    private sealed class NotAContractHandler : IStepHandler<NotAContract, Done>
    {
        public ValueTask<StepOutcome<Done>> HandleAsync(NotAContract command, StepContext context)
            => ValueTask.FromResult<StepOutcome<Done>>(Done.Value);
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sagas.RabbitMq;

namespace Sagas.RabbitMq.Tests.DependencyInjection;

public sealed class UseRabbitMqTests
{
    [Fact]
    public void Every_wrong_setting_is_named_at_start_without_the_password()
    {
        var services = new ServiceCollection();
        services.AddSagas(s => s.UseRabbitMq(o =>
        {
            o.ConnectionString = "http://shop:s3cret@broker/";
            o.PrefetchCount = 0;
            o.PublisherConfirmation = false;
            o.QueueDepthInterval = TimeSpan.Zero;
            o.ConsumerCheckInterval = TimeSpan.FromSeconds(-1);
        }));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RabbitMqSagasOptions>>().Value);

        Assert.Equal(
            [
                "RabbitMqSagasOptions.ConnectionString 'http://***@broker/' is not an AMQP URI (amqp://user:password@host:port/vhost).",
                "RabbitMqSagasOptions.PrefetchCount must be at least 1.",
                "RabbitMqSagasOptions.Mandatory needs PublisherConfirmation: without confirmations a returned message is not noticed.",
                "RabbitMqSagasOptions.QueueDepthInterval must be positive, got 00:00:00.",
                "RabbitMqSagasOptions.ConsumerCheckInterval must not be negative (zero turns the check off), got -00:00:01.",
            ],
            error.Failures);
    }

    [Fact]
    public void The_transport_reads_queue_depths_so_a_step_may_overflow_by_one()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSagas(s => s.UseRabbitMq(o => o.ConnectionString = "amqp://guest:guest@localhost:5672/").RouteSteps(r => r.Routes["com.example.render.v1"] = new Sagas.Gateway.StepRoute
        {
            Http = new Uri("http://fn/steps"),
            Overflow = new Sagas.Placement.StepOverflow { MaxQueueDepth = 100 },
        }));
        using var provider = services.BuildServiceProvider();

        Assert.NotNull(provider.GetRequiredService<IOptions<Sagas.Gateway.StepRoutingOptions>>().Value); // valid: no MaxQueueDepth refusal
        Assert.IsType<Sagas.RabbitMq.Placement.RabbitMqQueueDepths>(provider.GetRequiredService<Sagas.Placement.IQueueDepths>());
    }

    [Fact]
    public void The_options_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sagas:RabbitMq:ConnectionString"] = "amqp://guest:guest@localhost:5672/",
            ["Sagas:RabbitMq:QueueType"] = "Classic",
            ["Sagas:RabbitMq:PrefetchCount"] = "16",
            ["Sagas:RabbitMq:QueueDepthInterval"] = "00:00:02",
            ["Sagas:RabbitMq:ConsumerCheckInterval"] = "00:01:00",
        }).Build();
        var services = new ServiceCollection();
        services.AddSagas(s => s.UseRabbitMq(_ => { }));
        services.Configure<RabbitMqSagasOptions>(configuration.GetSection("Sagas:RabbitMq"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<RabbitMqSagasOptions>();

        Assert.Equal(
            ("amqp://guest:guest@localhost:5672/", RabbitMqQueueType.Classic, (ushort)16, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1)),
            (options.ConnectionString, options.QueueType, options.PrefetchCount, options.QueueDepthInterval, options.ConsumerCheckInterval));
    }
}

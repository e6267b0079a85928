using Microsoft.Extensions.Options;

namespace Sagas.RabbitMq;

/// <summary>Validates <see cref="RabbitMqSagasOptions"/> at start, naming every setting that is wrong.</summary>
internal sealed class RabbitMqSagasOptionsValidator : IValidateOptions<RabbitMqSagasOptions>
{
    private const string Prefix = nameof(RabbitMqSagasOptions) + ".";

    public ValidateOptionsResult Validate(string? name, RabbitMqSagasOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add($"{Prefix}{nameof(options.ConnectionString)} is required, e.g. \"amqp://user:password@localhost:5672/\".");
        }
        else if (!Uri.TryCreate(options.ConnectionString, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps" or "rabbitmq" or "rabbitmqs"))
        {
            failures.Add($"{Prefix}{nameof(options.ConnectionString)} '{RabbitMqSagasOptions.Redacted(options.ConnectionString)}' is not an AMQP URI (amqp://user:password@host:port/vhost).");
        }

        if (options.PrefetchCount == 0)
        {
            failures.Add($"{Prefix}{nameof(options.PrefetchCount)} must be at least 1.");
        }

        if (options.Mandatory && !options.PublisherConfirmation)
        {
            failures.Add($"{Prefix}{nameof(options.Mandatory)} needs {nameof(options.PublisherConfirmation)}: without confirmations a returned message is not noticed.");
        }

        if (options.RedeliveryIntervals.Any(i => i < TimeSpan.Zero))
        {
            failures.Add($"{Prefix}{nameof(options.RedeliveryIntervals)} must not be negative, got {string.Join(", ", options.RedeliveryIntervals)}.");
        }

        if (options.QueueDepthInterval <= TimeSpan.Zero)
        {
            failures.Add($"{Prefix}{nameof(options.QueueDepthInterval)} must be positive, got {options.QueueDepthInterval}.");
        }

        if (options.ConsumerCheckInterval < TimeSpan.Zero)
        {
            failures.Add($"{Prefix}{nameof(options.ConsumerCheckInterval)} must not be negative (zero turns the check off), got {options.ConsumerCheckInterval}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

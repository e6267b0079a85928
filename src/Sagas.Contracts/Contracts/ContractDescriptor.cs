using FluentValidation;
using FluentValidation.Results;

namespace Sagas.Contracts;

/// <summary>What the registry knows about one message contract.</summary>
public sealed class ContractDescriptor
{
    internal ContractDescriptor(Type clrType, string name, int version, Uri dataSchema, IValidator? validator)
    {
        ClrType = clrType;
        Name = name;
        Version = version;
        EventType = $"{name}.v{version}";
        DataSchema = dataSchema;
        Validator = validator;
    }

    /// <summary>The CLR record that carries the event data.</summary>
    public Type ClrType { get; }

    /// <summary>Reverse-DNS event name without the version suffix.</summary>
    public string Name { get; }

    /// <summary>Contract version.</summary>
    public int Version { get; }

    /// <summary>The CloudEvents <c>type</c>: <c>{Name}.v{Version}</c>.</summary>
    public string EventType { get; }

    /// <summary>The CloudEvents <c>dataschema</c>: an absolute URI naming the contract's JSON Schema.</summary>
    public Uri DataSchema { get; }

    /// <summary>The validator applied at the edge, or <see langword="null"/> when the contract has none.</summary>
    public IValidator? Validator { get; }

    /// <summary>Validates <paramref name="message"/>; a contract without a validator accepts every instance.</summary>
    public ValidationResult Validate(object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Validator is null
            ? new ValidationResult()
            : Validator.Validate(new ValidationContext<object>(message));
    }

    /// <inheritdoc />
    public override string ToString() => $"{EventType} ({ClrType.Name})";
}

namespace Sagas.Contracts;

/// <summary>
/// Declares a CLR record as a message contract with a stable, versioned CloudEvents <c>type</c>.
/// </summary>
/// <remarks>
/// The CloudEvents <c>type</c> is <c>{name}.v{version}</c>, for example
/// <c>com.example.checkout.order-submitted.v1</c>. The name should be reverse-DNS prefixed and must
/// never change once events are on the wire; an incompatible change to the record needs a new version
/// (a new record type with a higher <paramref name="version"/>), so old and new producers can coexist.
/// </remarks>
/// <param name="name">Reverse-DNS event name without the version suffix, e.g. <c>com.example.checkout.order-submitted</c>.</param>
/// <param name="version">Contract version, starting at 1.</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class CloudEventContractAttribute(string name, int version) : Attribute
{
    /// <summary>Reverse-DNS event name without the version suffix.</summary>
    public string Name { get; } = name;

    /// <summary>Contract version, starting at 1.</summary>
    public int Version { get; } = version;

    /// <summary>
    /// Optional absolute URI of the contract's JSON Schema, written to the CloudEvents <c>dataschema</c>
    /// attribute. When not set the registry derives one from <see cref="ContractRegistryOptions.SchemaBaseUri"/>.
    /// </summary>
    public string? DataSchema { get; init; }
}

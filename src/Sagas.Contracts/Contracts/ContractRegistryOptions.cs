namespace Sagas.Contracts;

/// <summary>Options of a <see cref="ContractRegistry"/>.</summary>
public sealed class ContractRegistryOptions
{
    /// <summary>
    /// Base of the <c>dataschema</c> URI for contracts that do not name one: the schema of type
    /// <c>T</c> is <c>{SchemaBaseUri}{T}.json</c>. Must be absolute. Defaults to <c>urn:sagas:schema:</c>;
    /// set it to where your published schemas live, e.g. <c>https://schemas.example.com/</c>.
    /// </summary>
    public Uri SchemaBaseUri { get; set; } = new("urn:sagas:schema:");
}

using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using FluentValidation;

namespace Sagas.Contracts;

/// <summary>
/// The message contracts an application knows: CloudEvents <c>type</c> to CLR type and back, with each
/// contract's validator and schema URI. Register every contract explicitly; there is no assembly scanning.
/// </summary>
/// <remarks>Thread-safe. Registration normally happens once at start-up; lookups are lock-free.</remarks>
public sealed partial class ContractRegistry
{
    private readonly ConcurrentDictionary<string, ContractDescriptor> _byEventType = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, ContractDescriptor> _byClrType = new();
    private readonly ContractRegistryOptions _options;
    private readonly List<IJsonTypeInfoResolver> _jsonMetadata = [];

    /// <summary>Creates an empty registry.</summary>
    public ContractRegistry(ContractRegistryOptions? options = null)
    {
        _options = options ?? new ContractRegistryOptions();
        if (!_options.SchemaBaseUri.IsAbsoluteUri)
        {
            throw new ArgumentException($"{nameof(ContractRegistryOptions)}.{nameof(ContractRegistryOptions.SchemaBaseUri)} must be an absolute URI, got '{_options.SchemaBaseUri}'.", nameof(options));
        }
    }

    /// <summary>Every registered contract.</summary>
    public IReadOnlyCollection<ContractDescriptor> Contracts => (IReadOnlyCollection<ContractDescriptor>)_byClrType.Values;

    /// <summary>
    /// Registers <typeparamref name="T"/>, which must carry <see cref="CloudEventContractAttribute"/>.
    /// Registering the same type twice with the same settings is a no-op.
    /// </summary>
    /// <exception cref="InvalidOperationException">The attribute is missing or invalid, or its event type is already taken by another CLR type.</exception>
    public ContractRegistry Add<T>(IValidator<T>? validator = null)
        where T : class
        => Add(typeof(T), validator);

    /// <summary>Registers <paramref name="clrType"/>; see <see cref="Add{T}(IValidator{T}?)"/>.</summary>
    public ContractRegistry Add(Type clrType, IValidator? validator = null)
    {
        ArgumentNullException.ThrowIfNull(clrType);
        var attribute = clrType.GetCustomAttribute<CloudEventContractAttribute>()
            ?? throw new InvalidOperationException($"{clrType.FullName} is not a contract: add [CloudEventContract(\"com.example.name\", version: 1)] to it.");

        if (!EventNamePattern().IsMatch(attribute.Name))
        {
            throw new InvalidOperationException($"{clrType.FullName}: contract name '{attribute.Name}' must be reverse-DNS, lower-case, dot-separated (e.g. com.example.checkout.order-submitted).");
        }

        if (attribute.Version < 1)
        {
            throw new InvalidOperationException($"{clrType.FullName}: contract version must be 1 or higher, got {attribute.Version}.");
        }

        if (validator is not null && !validator.CanValidateInstancesOfType(clrType))
        {
            throw new InvalidOperationException($"{clrType.FullName}: validator {validator.GetType().Name} cannot validate this type.");
        }

        var eventType = $"{attribute.Name}.v{attribute.Version}";
        Uri schema;
        if (attribute.DataSchema is null)
        {
            // AbsoluteUri, not ToString(): ToString() unescapes (%20 becomes a space), which is not a URI.
            schema = new Uri(_options.SchemaBaseUri.AbsoluteUri + eventType + ".json");
        }
        else if (!Uri.TryCreate(attribute.DataSchema, UriKind.Absolute, out schema!))
        {
            throw new InvalidOperationException($"{clrType.FullName}: DataSchema '{attribute.DataSchema}' must be an absolute URI.");
        }

        if (_byEventType.TryGetValue(eventType, out var existing))
        {
            if (existing.ClrType != clrType)
            {
                throw new InvalidOperationException($"CloudEvents type '{eventType}' is declared by both {existing.ClrType.FullName} and {clrType.FullName}.");
            }

            if (validator is null)
            {
                return this; // registered again without a validator: keep the one we have
            }
        }

        var descriptor = new ContractDescriptor(clrType, attribute.Name, attribute.Version, schema, validator);
        _byEventType[eventType] = descriptor;
        _byClrType[clrType] = descriptor;
        return this;
    }

    /// <summary>
    /// The JSON metadata added with <see cref="AddJsonMetadata"/>, first added first: the contract options
    /// (<see cref="ContractJson.CreateOptions(ContractRegistry)"/>) ask them before describing a type by reflection.
    /// </summary>
    public IReadOnlyList<IJsonTypeInfoResolver> JsonMetadata => _jsonMetadata;

    /// <summary>
    /// Adds source-generated JSON metadata of contracts (a <see cref="System.Text.Json.Serialization.JsonSerializerContext"/>
    /// naming them with <c>[JsonSerializable]</c>): their data is then read and written without reflection, which a
    /// trimmed or Native AOT host needs and every host starts faster with. The contract settings still apply (the
    /// context is a resolver of the contract options). Adding the same instance twice is a no-op. Call it before the
    /// registry's converter is created (in DI: in <c>AddContracts</c>).
    /// </summary>
    public ContractRegistry AddJsonMetadata(IJsonTypeInfoResolver metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (!_jsonMetadata.Contains(metadata))
        {
            _jsonMetadata.Add(metadata);
        }

        return this;
    }

    /// <summary>Finds the contract of a CloudEvents <c>type</c>.</summary>
    public bool TryGet(string eventType, out ContractDescriptor descriptor)
        => _byEventType.TryGetValue(eventType, out descriptor!);

    /// <summary>Finds the contract of a CLR type.</summary>
    public bool TryGet(Type clrType, out ContractDescriptor descriptor)
        => _byClrType.TryGetValue(clrType, out descriptor!);

    /// <summary>Gets the contract of a CLR type.</summary>
    /// <exception cref="InvalidOperationException">The type is not registered.</exception>
    public ContractDescriptor Get(Type clrType)
        => TryGet(clrType, out var descriptor)
            ? descriptor
            : throw new InvalidOperationException($"{clrType.FullName} is not a registered contract: register it with ContractRegistry.Add<{clrType.Name}>().");

    [GeneratedRegex("^[a-z0-9]+(?:[.-][a-z0-9]+)*(?:\\.[a-z0-9]+(?:[-_][a-z0-9]+)*)+$", RegexOptions.CultureInvariant)]
    private static partial Regex EventNamePattern();
}

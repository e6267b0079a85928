using CloudNative.CloudEvents;
using Sagas.Contracts;

namespace Sagas.CloudEvents;

/// <summary>An incoming CloudEvent whose <c>type</c> is a known contract, with its data deserialized and validated.</summary>
/// <param name="CloudEvent">The event as received.</param>
/// <param name="Contract">The contract its <c>type</c> names.</param>
/// <param name="Message">The data as an instance of <see cref="ContractDescriptor.ClrType"/>.</param>
public sealed record DecodedEvent(CloudEvent CloudEvent, ContractDescriptor Contract, object Message);

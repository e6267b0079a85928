using Sagas.DeadLetters;
using Sagas.Testing;

namespace Sagas.Tests.DeadLetters;

/// <summary>The dead-letter store contract in process memory.</summary>
public sealed class InMemoryDeadLetterStoreTests : DeadLetterStoreContract
{
    protected override Task<IDeadLetterStore> CreateAsync() => Task.FromResult<IDeadLetterStore>(new InMemoryDeadLetterStore());
}

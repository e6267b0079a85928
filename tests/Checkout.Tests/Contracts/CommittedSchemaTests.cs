using Checkout.Contracts;
using Sagas.Contracts;
using Sagas.Schema;
using Sagas.Steps;

namespace Checkout.Tests.Contracts;

public sealed class CommittedSchemaTests
{
    /// <summary>Set SAGAS_UPDATE_SCHEMAS=1 to (re)write missing or compatibly changed schemas.</summary>
    private static bool Update => Environment.GetEnvironmentVariable("SAGAS_UPDATE_SCHEMAS") == "1";

    [Fact]
    public void Every_checkout_contract_matches_its_committed_schema()
    {
        var registry = new ContractRegistry().AddCheckoutContracts();

        var problems = SchemaSnapshots.Check(registry.Contracts, Repository.PathOf("samples", "Checkout.Contracts", "schemas"), Update);

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Every_framework_contract_matches_its_committed_schema()
    {
        var registry = new ContractRegistry().AddStepContracts()
            .Add(new StepTimerElapsedValidator())
            .Add(new ResumeSagaValidator())
            .Add(new CompensateSagaValidator())
            .Add(new RetryStepNowValidator());

        var problems = SchemaSnapshots.Check(registry.Contracts, Repository.PathOf("docs", "schemas"), Update);

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void A_contract_changed_incompatibly_without_a_new_version_is_reported()
    {
        var directory = Directory.CreateTempSubdirectory("sagas-schemas-").FullName;
        try
        {
            var before = new ContractRegistry().Add<Versions.V1.PriceQuoted>();
            SchemaSnapshots.Check(before.Contracts, directory, update: true);
            var after = new ContractRegistry().Add<Versions.V1Changed.PriceQuoted>();

            var problem = Assert.Single(SchemaSnapshots.Check(after.Contracts, directory));

            Assert.Contains("com.example.pricing.price-quoted.v1 (PriceQuoted) changed incompatibly", problem, StringComparison.Ordinal);
            Assert.Contains("$.currency: property removed", problem, StringComparison.Ordinal);
            Assert.Contains("declare the change as version 2", problem, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

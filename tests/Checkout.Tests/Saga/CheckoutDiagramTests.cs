using Checkout.Saga;
using Sagas.Steps;

namespace Checkout.Tests.Saga;

public sealed class CheckoutDiagramTests
{
    [Fact]
    public void The_committed_state_diagram_matches_the_saga()
    {
        var generated = StepSagaDiagram.ToMermaidDocument(new CheckoutSaga(new CheckoutSettings()), "Checkout saga");
        var committed = File.ReadAllText(Repository.PathOf("docs", "checkout-saga.md")).ReplaceLineEndings("\n");

        Assert.True(
            committed == generated,
            "docs/checkout-saga.md is out of date: run `dotnet run --project samples/Checkout -- --diagram docs/checkout-saga.md` and commit it.");
    }

    [Fact]
    public void The_diagram_shows_compensation_in_reverse_order_and_the_retriable_fork()
    {
        var mermaid = StepSagaDiagram.ToMermaid(new CheckoutSaga(new CheckoutSettings()));

        Assert.StartsWith("stateDiagram-v2\n", mermaid, StringComparison.Ordinal);
        Assert.Contains("[*] --> ReserveInventory: OrderSubmitted", mermaid, StringComparison.Ordinal);
        Assert.Contains("ConfirmOrder --> UndoChargePayment: failed", mermaid, StringComparison.Ordinal);
        Assert.Contains("UndoChargePayment --> UndoReserveInventory: compensated", mermaid, StringComparison.Ordinal);
        Assert.Contains("UndoReserveInventory --> Compensated: compensated", mermaid, StringComparison.Ordinal);
        Assert.Contains("ReserveInventory --> Rejected: failed", mermaid, StringComparison.Ordinal);
        Assert.Contains("fork_retriable --> UpdateCrm", mermaid, StringComparison.Ordinal);
        Assert.Contains("UpdateCrm --> Faulted: retry budget spent", mermaid, StringComparison.Ordinal);
    }
}

using System.Diagnostics;
using Checkout.Contracts;
using Checkout.Saga;
using Checkout.Simulation;
using FluentValidation;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Sagas.DeadLetters;
using Sagas.Gateway;
using Sagas.Inspector.Tests.Harness;

namespace Sagas.Inspector.Tests.Page;

/// <summary>
/// The inspector's page in a real headless Chromium, over the running checkout: what an operator sees and clicks.
/// With <c>SAGAS_TEST_SCREENSHOTS</c> set to a folder, each test leaves a screenshot of what it ended on there.
/// </summary>
public sealed class When_an_operator_uses_the_inspector_page
{
    [Fact]
    public async Task They_list_the_faulted_orders_of_a_run_open_one_resume_it_after_fixing_its_cause_and_see_it_complete()
    {
        await using var host = await BrowserHost.StartAsync();
        var happy = OrderScenarios.Create(Scenario.Happy, 1);
        var (crmDown, otherCrmDown) = (OrderScenarios.Create(Scenario.CrmDown, 2), OrderScenarios.Create(Scenario.CrmDown, 3));
        using (var request = new Activity("POST /orders").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            foreach (var order in new[] { happy, crmDown, otherCrmDown })
            {
                await host.Services.GetRequiredService<IBus>().Publish(order);
            }
        }

        await host.WaitForAsync(happy.OrderId, "Completed");
        await host.WaitForAsync(crmDown.OrderId, "Faulted");
        await host.WaitForAsync(otherCrmDown.OrderId, "Faulted");
        using var browser = Browser.Start();
        browser.Open(host.Address);

        browser.Find("button[data-state='Faulted']").Click();
        var rows = browser.Until(() => browser.All("#sagas tbody tr[data-id]") is { Count: 2 } r && r.All(x => x.Text.Contains("Faulted", StringComparison.Ordinal)) ? r : null, "the two Faulted orders");
        Assert.Equal(new[] { crmDown.OrderId, otherCrmDown.OrderId }.Select(i => i.ToString()).Order(), rows.Select(r => r.GetAttribute("data-id")).Order());
        browser.Click($"#sagas tbody tr[data-id='{crmDown.OrderId}']", "the first Faulted order");
        browser.Until(() => browser.Find("#detail").GetAttribute("data-id") == crmDown.OrderId.ToString(), "the order's detail");
        Assert.Equal("Faulted", browser.Find("#detail").GetAttribute("data-state"));
        Assert.Equal("Faulted", browser.Find("#drawing g.node.current").GetAttribute("data-node")); // the diagram, drawn, marks where it stands
        Assert.Equal("UpdateCrm", browser.Find("#drawing g.node.failed").GetAttribute("data-node"));
        var trace = browser.Find("#trace-link");
        Assert.Matches("^http://jaeger.example:16686/trace/[0-9a-f]{32}$", trace.GetAttribute("href"));
        Assert.Equal("noopener noreferrer", trace.GetAttribute("rel"));

        host.Services.GetRequiredService<Crm>().Repair(crmDown.CustomerId); // the cause, fixed
        browser.Find("#note").SendKeys("CRM account repaired");
        browser.Find("#resume").Click();

        browser.Until(() => browser.Find("#detail").GetAttribute("data-state") == "Completed", "the resumed order Completed");
        Assert.Contains(browser.All("#history li"), li => li.Text.Contains("resumed", StringComparison.Ordinal) && li.Text.Contains("olga: CRM account repaired", StringComparison.Ordinal));
        Assert.Equal("Completed", browser.Find("#drawing g.node.current").GetAttribute("data-node"));
        Screenshot(browser, "inspector-saga.png");
        Assert.Equal("Faulted", (await host.WaitForAsync(otherCrmDown.OrderId, "Faulted")).CurrentState); // the other one waits for its own fix
    }

    [Fact]
    public async Task They_compensate_an_executing_order_before_its_pivot_and_see_it_compensated()
    {
        // The payment function is unreachable: the order waits at ChargePayment (an outage is waited out, not failed).
        var unreachable = new StepRoute { Http = new Uri("http://127.0.0.1:9/steps"), MaxRetries = 0, AttemptTimeout = TimeSpan.FromSeconds(1) };
        await using var host = await BrowserHost.StartAsync(
            s => s.RouteSteps(r => r.Routes["com.example.checkout.charge-payment.v1"] = unreachable),
            new CheckoutSettings { Deadline = TimeSpan.FromMinutes(5) });
        var order = OrderScenarios.Create(Scenario.Happy, 4);
        await host.Services.GetRequiredService<IBus>().Publish(order);
        await host.WaitForAsync(order.OrderId, "Executing", "ChargePayment");
        using var browser = Browser.Start();
        browser.Open(host.Address);

        browser.Find("button[data-state='Executing']").Click();
        browser.Click($"#sagas tbody tr[data-id='{order.OrderId}']", "the executing order"); // found again if the filtered list redraws it
        browser.Until(() => browser.Find("#detail").GetAttribute("data-state") == "Executing", "the order's detail");
        Assert.Equal("ChargePayment", browser.Find("#drawing g.node.current").GetAttribute("data-node"));
        Assert.Equal("ReserveInventory", browser.Find("#drawing g.node.done").GetAttribute("data-node"));
        Assert.False(browser.Find("#compensate").GetAttribute("hidden") is not null);
        browser.Find("#note").SendKeys("customer cancelled by phone");
        browser.Find("#compensate").Click();

        browser.Until(() => browser.Find("#detail").GetAttribute("data-state") == "Compensated", "the order Compensated");
        Assert.Contains(browser.All("#history li"), li => li.Text.Contains("compensation-ordered", StringComparison.Ordinal) && li.Text.Contains("olga: customer cancelled by phone", StringComparison.Ordinal));
        Assert.Contains(browser.All("#steps tbody tr"), row => row.GetAttribute("data-step") == "ReserveInventory" && row.Text.Contains("Compensated", StringComparison.Ordinal));
        Assert.Contains("inventory-released", host.Services.GetRequiredService<EffectLog>().For(order.OrderId));
        Screenshot(browser, "inspector-compensated.png");
    }

    [Fact]
    public async Task They_redeliver_a_dead_letter_after_its_cause_is_fixed_and_the_order_runs()
    {
        var rule = new BulkOrderRule();
        await using var host = await BrowserHost.StartAsync(s => s.AddContracts(c => c.Add(rule)));
        var order = OrderScenarios.Create(Scenario.Happy, 5) with { Lines = [new OrderLine("SKU-BULK", 40, 2.5m)] };
        await host.SendAsync("checkout-state", order, "bulk-5", order.OrderId);
        var store = host.Services.GetRequiredService<IDeadLetterStore>();
        await WaitAsync(async () => (await store.ListAsync(new DeadLetterQuery(), default)).Items.Count == 1);
        using var browser = Browser.Start();
        browser.Open(host.Address);

        browser.Find("#show-dead-letters").Click();
        var row = browser.Until(() => browser.All("#dead-letter-rows tbody tr[data-dead-letter]").FirstOrDefault(), "the dead letter");
        Assert.Contains("Lines[0].Quantity: bulk orders are not accepted yet", row.Text, StringComparison.Ordinal);
        Assert.Contains("bulk-5", row.Text, StringComparison.Ordinal);
        row.FindElement(OpenQA.Selenium.By.CssSelector("details summary")).Click();
        Assert.Contains(order.OrderId.ToString(), row.FindElement(OpenQA.Selenium.By.CssSelector("details pre")).Text, StringComparison.Ordinal); // the body as received
        Screenshot(browser, "inspector-dead-letters.png");

        rule.AcceptBulk = true; // the fix, deployed
        browser.Find("#dl-note").SendKeys("bulk orders accepted since 1.4.2");
        row.FindElement(OpenQA.Selenium.By.CssSelector("button[data-action='redeliver']")).Click();

        browser.Until(() => browser.All("#dead-letter-rows tbody tr[data-dead-letter]").Count == 0, "the dead letter off the open list");
        browser.Find("#dl-all").Click();
        browser.Until(() => browser.All("#dead-letter-rows tbody tr[data-dead-letter]").FirstOrDefault()?.Text.Contains("Redelivered (olga: bulk orders accepted since 1.4.2)", StringComparison.Ordinal), "the dead letter marked redelivered");
        await host.WaitForAsync(order.OrderId, "Completed");
        browser.Open(host.Address);
        browser.Find("button[data-state='Completed']").Click();
        browser.Until(() => browser.All($"#sagas tbody tr[data-id='{order.OrderId}']").FirstOrDefault(), "the redelivered order, Completed");
    }

    private static async Task WaitAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 200 && !await condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(await condition());
    }

    private static void Screenshot(Browser browser, string name)
    {
        if (Environment.GetEnvironmentVariable("SAGAS_TEST_SCREENSHOTS") is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
            browser.Screenshot(Path.Combine(folder, name));
        }
    }

    /// <summary>The order rule of a receiver not yet ready for bulk orders; the fix turns it off. The checkout's own rules still apply.</summary>
    private sealed class BulkOrderRule : AbstractValidator<OrderSubmitted>
    {
        public BulkOrderRule()
        {
            Include(new OrderSubmittedValidator());
            RuleForEach(x => x.Lines).ChildRules(line => line.RuleFor(l => l.Quantity)
                .Must(q => AcceptBulk || q <= 10)
                .WithMessage("bulk orders are not accepted yet"));
        }

        public bool AcceptBulk { get; set; }
    }
}

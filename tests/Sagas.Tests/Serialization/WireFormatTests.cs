using System.Text.Json;
using MassTransit;
using Sagas.Testing;
using Sagas.Tests.Onboarding;

namespace Sagas.Tests.Serialization;

public sealed class WireFormatTests
{
    [Fact]
    public async Task A_step_command_travels_as_a_structured_cloudevent_with_the_saga_attributes()
    {
        var wire = new WireTap();
        await using var host = await SagaTestHost.StartAsync(
            sagas => sagas.AddOnboarding().ConfigureBus((_, bus) => bus.ConnectReceiveObserver(wire)),
            SagaTestHost.AddWatcher<OnboardingState>);
        var accountId = Guid.NewGuid();

        await host.Bus.Publish(new SignupReceived(accountId, "ada@example.com"));
        await host.Watcher<OnboardingState>().WaitAsync(accountId, s => s.CurrentState == "Completed");

        var (contentType, body) = wire.Received.First(r => r.Body.Contains("create-account", StringComparison.Ordinal));
        Assert.Equal("application/cloudevents+json", contentType);
        using var json = JsonDocument.Parse(body);
        var e = json.RootElement;
        Assert.Equal("1.0", e.GetProperty("specversion").GetString());
        Assert.Equal("com.example.onboarding.create-account.v1", e.GetProperty("type").GetString());
        Assert.Equal("urn:sagas:schema:com.example.onboarding.create-account.v1.json", e.GetProperty("dataschema").GetString());
        Assert.Equal("loopback://localhost/onboarding-state", e.GetProperty("source").GetString());
        Assert.Equal(accountId.ToString(), e.GetProperty("subject").GetString());
        Assert.Equal(accountId.ToString(), e.GetProperty("correlationid").GetString());
        Assert.Equal("CreateAccount", e.GetProperty("sagastep").GetString());
        Assert.Equal(1, e.GetProperty("sagaattempt").GetInt32());
        Assert.False(e.GetProperty("sagacompensate").GetBoolean());
        Assert.Equal("application/json", e.GetProperty("datacontenttype").GetString());
        Assert.True(Guid.TryParse(e.GetProperty("id").GetString(), out _));
        Assert.True(e.TryGetProperty("causationid", out _));
        Assert.Equal(accountId, e.GetProperty("data").GetProperty("accountId").GetGuid());
        Assert.Equal("ada@example.com", e.GetProperty("data").GetProperty("email").GetString());
    }

    [Fact]
    public async Task Every_message_on_the_bus_is_a_cloudevent()
    {
        var wire = new WireTap();
        await using var host = await SagaTestHost.StartAsync(
            sagas => sagas.AddOnboarding().ConfigureBus((_, bus) => bus.ConnectReceiveObserver(wire)),
            SagaTestHost.AddWatcher<OnboardingState>);
        var accountId = Guid.NewGuid();

        await host.Bus.Publish(new SignupReceived(accountId, "ada@example.com"));
        await host.Watcher<OnboardingState>().WaitAsync(accountId, s => s.CurrentState == "Completed");

        Assert.NotEmpty(wire.Received);
        Assert.All(wire.Received, r =>
        {
            Assert.Equal("application/cloudevents+json", r.ContentType);
            using var json = JsonDocument.Parse(r.Body);
            Assert.Equal("1.0", json.RootElement.GetProperty("specversion").GetString());
        });
        var types = wire.Received.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("type").GetString()).ToHashSet();
        Assert.Contains("dev.sagas.step.completed.v1", types);
        Assert.Contains("com.example.onboarding.send-welcome.v1", types);
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Sagas.Contracts;
using Sagas.Steps;

namespace Sagas.Tests.Steps;

/// <summary>The engine's own messages' generated metadata is used, and reads and writes exactly as reflection would.</summary>
public sealed class SagaMessagesJsonContextTests
{
    private static readonly JsonSerializerOptions Generated = SagaMessagesJsonContext.CreateOptions(new ContractRegistry());

    public static TheoryData<object> Messages => new()
    {
        new StepTimerElapsed(Guid.NewGuid(), "Reserve", 2, Compensation: false, StepTimerElapsed.Deadline),
        new ResumeSaga(Guid.NewGuid(), "card fixed"),
        new ResumeSaga(Guid.NewGuid()),
        new CompensateSaga(Guid.NewGuid(), "customer cancelled"),
        new RetryStepNow(Guid.NewGuid(), "UpdateCrm", "CRM is back"),
        new StepCompleted(Guid.NewGuid(), "Reserve", 1, Compensation: false),
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void A_message_is_written_by_generated_metadata_as_reflection_writes_it(object message)
    {
        var reflection = ContractJson.CreateOptions();
        reflection.TypeInfoResolver = new DefaultJsonTypeInfoResolver();

        var generated = JsonSerializer.Serialize(message, message.GetType(), Generated);

        Assert.IsAssignableFrom<JsonSerializerContext>(Generated.GetTypeInfo(message.GetType()).OriginatingResolver);
        Assert.Equal(JsonSerializer.Serialize(message, message.GetType(), reflection), generated);
        Assert.Equal(message, JsonSerializer.Deserialize(generated, message.GetType(), Generated));
    }

    [Fact]
    public void A_timer_without_its_kind_is_refused()
    {
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<StepTimerElapsed>("""{"sagaId":"6f1c8a2e-8c8e-4a43-9d5c-6d3f0f5b8a11","step":"Reserve","attempt":1,"compensation":false}""", Generated));
    }
}

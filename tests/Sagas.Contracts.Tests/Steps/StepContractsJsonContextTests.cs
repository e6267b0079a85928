using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Sagas.Contracts;
using Sagas.Steps;

namespace Sagas.Contracts.Tests.Steps;

/// <summary>The step replies' generated metadata is used, and reads and writes exactly as reflection would.</summary>
public class StepContractsJsonContextTests
{
    private static readonly JsonSerializerOptions Generated = ContractJson.CreateOptions();
    private static readonly JsonSerializerOptions Reflection = ReflectionOnly();

    public static TheoryData<object> Replies => new()
    {
        new StepCompleted(Guid.NewGuid(), "Reserve", 2, Compensation: true, JsonDocument.Parse("""{"id":"r-1","n":[1,2]}""").RootElement),
        new StepCompleted(Guid.NewGuid(), "Reserve", 1, Compensation: false),
        new StepFailed(Guid.NewGuid(), "Charge", 3, Compensation: false, "card declined", Permanent: true, Unavailable: false, RetryAfterMs: 1500, OutageBudgetMs: null),
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public void A_reply_is_written_by_the_generated_metadata_as_reflection_writes_it(object reply)
    {
        Assert.Same(StepContractsJsonContext.Default, Generated.GetTypeInfo(reply.GetType()).OriginatingResolver);

        var generated = JsonSerializer.Serialize(reply, reply.GetType(), Generated);

        Assert.Equal(JsonSerializer.Serialize(reply, reply.GetType(), Reflection), generated);
        Assert.Equal(JsonSerializer.Serialize(JsonSerializer.Deserialize(generated, reply.GetType(), Reflection), reply.GetType(), Reflection), JsonSerializer.Serialize(JsonSerializer.Deserialize(generated, reply.GetType(), Generated), reply.GetType(), Reflection));
    }

    [Theory]
    [InlineData("""{"step":"Reserve","attempt":1,"compensation":false}""", "sagaId")]
    [InlineData("""{"sagaId":"6f1c8a2e-8c8e-4a43-9d5c-6d3f0f5b8a11","step":null,"attempt":1,"compensation":false}""", "step")]
    [InlineData("""{"sagaId":"6f1c8a2e-8c8e-4a43-9d5c-6d3f0f5b8a11","step":"Reserve","attempt":"1","compensation":false}""", "attempt")]
    public void A_reply_missing_or_mistyping_a_member_is_refused_as_reflection_refuses_it(string json, string member)
    {
        var generated = Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<StepCompleted>(json, Generated));
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<StepCompleted>(json, Reflection));

        Assert.Contains(member, generated.Message + generated.Path, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Members_are_read_case_insensitively_as_the_web_defaults_read_them()
    {
        var read = JsonSerializer.Deserialize<StepCompleted>("""{"SAGAID":"6f1c8a2e-8c8e-4a43-9d5c-6d3f0f5b8a11","Step":"Reserve","ATTEMPT":1,"compensation":false}""", Generated);

        Assert.Equal("Reserve", read!.Step);
        Assert.Equal(1, read.Attempt);
    }

    private static JsonSerializerOptions ReflectionOnly()
    {
        var options = ContractJson.CreateOptions();
        options.TypeInfoResolver = new DefaultJsonTypeInfoResolver();
        return options;
    }
}

using System.Net;
using System.Text;
using CloudNative.CloudEvents;
using Sagas.Functions.Http;
using Sagas.Functions.Tests.Harness;

namespace Sagas.Functions.Tests.Http;

/// <summary>The optional HMAC-SHA256 request signature, end to end.</summary>
public class SignatureTests
{
    private const string Secret = "a-shared-secret-of-enough-length";
    private static readonly Guid SagaId = Guid.Parse("1d0e9f8a-7b6c-4d5e-8f90-a1b2c3d4e5f6");

    [Fact]
    public async Task Unsigned_request_is_401_when_a_secret_is_configured()
    {
        await using var app = await FunctionApp.StartAsync(http => http.SignatureSecret = Secret);

        using var response = await app.Client.SendAsync(Replies.Post(Commands.ReserveStock(SagaId), ContentMode.Structured));

        var (_, errors) = await Replies.ReadProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("the request is not signed: the X-Sagas-Signature header is missing", Assert.Single(errors));
        Assert.Equal("HMAC-SHA256", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.Empty(app.Probe.Calls);
    }

    [Fact]
    public async Task Tampered_body_is_401()
    {
        await using var app = await FunctionApp.StartAsync(http => http.SignatureSecret = Secret);
        var body = Commands.Converter.EncodeStructured(Commands.ReserveStock(SagaId, quantity: 1)).ToArray();
        var signature = StepFunctionSignature.Create(body, Secret);
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("\"quantity\":1", "\"quantity\":9", StringComparison.Ordinal));
        Assert.NotEqual(body, tampered);

        using var response = await app.Client.SendAsync(Replies.PostRaw(tampered, "application/cloudevents+json", ("X-Sagas-Signature", signature)));

        var (_, errors) = await Replies.ReadProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.StartsWith("the X-Sagas-Signature header does not match the body", Assert.Single(errors), StringComparison.Ordinal);
        Assert.Empty(app.Probe.Calls);
    }

    [Fact]
    public async Task Request_signed_with_another_secret_is_401()
    {
        await using var app = await FunctionApp.StartAsync(http => http.SignatureSecret = Secret);
        var body = Commands.Converter.EncodeStructured(Commands.ReserveStock(SagaId)).ToArray();

        using var response = await app.Client.SendAsync(Replies.PostRaw(body, "application/cloudevents+json", ("X-Sagas-Signature", StepFunctionSignature.Create(body, Secret + "!"))));

        await Replies.ReadProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Signed_structured_request_is_200()
    {
        await using var app = await FunctionApp.StartAsync(http => http.SignatureSecret = Secret);
        var body = Commands.Converter.EncodeStructured(Commands.ReserveStock(SagaId)).ToArray();

        using var response = await app.Client.SendAsync(Replies.PostRaw(body, "application/cloudevents+json", ("X-Sagas-Signature", StepFunctionSignature.Create(body, Secret))));

        Assert.Equal(SagaId, Replies.Completed(await Replies.ReadReplyAsync(response)).SagaId);
    }

    [Fact]
    public async Task Signed_binary_request_is_200_with_a_custom_header_name()
    {
        await using var app = await FunctionApp.StartAsync(http =>
        {
            http.SignatureSecret = Secret;
            http.SignatureHeaderName = "X-Step-Signature";
        });
        var request = Replies.Post(Commands.ReserveStock(SagaId), ContentMode.Binary);
        var body = await request.Content!.ReadAsByteArrayAsync();
        request.Headers.Add("X-Step-Signature", StepFunctionSignature.Create(body, Secret).ToUpperInvariant().Replace("SHA256=", "sha256=", StringComparison.Ordinal));

        using var response = await app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Signed_batch_is_200()
    {
        await using var app = await FunctionApp.StartAsync(http => http.SignatureSecret = Secret);
        var request = Replies.PostBatch(Commands.ReserveStock(SagaId), Commands.ReserveStock(SagaId, attempt: 2));
        request.Headers.Add(StepFunctionSignature.DefaultHeaderName, StepFunctionSignature.Create(await request.Content!.ReadAsByteArrayAsync(), Secret));

        using var response = await app.Client.SendAsync(request);

        Assert.Equal(2, (await Replies.ReadBatchAsync(response)).Count);
    }
}

public class StepFunctionSignatureTests
{
    [Fact]
    public void Create_matches_the_RFC_4231_HMAC_SHA256_test_case_2()
    {
        // RFC 4231 section 4.3: key "Jefe", data "what do ya want for nothing?".
        var signature = StepFunctionSignature.Create(Encoding.UTF8.GetBytes("what do ya want for nothing?"), "Jefe");

        Assert.Equal("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", signature);
    }

    [Theory]
    [InlineData("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", true)]
    [InlineData("SHA256=5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843", true)]
    [InlineData("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3844", false)]
    [InlineData("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec38", false)]
    [InlineData("sha256=zzdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", false)]
    [InlineData("sha1=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", false)]
    [InlineData("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Verify_accepts_only_the_signature_of_the_body(string? signature, bool expected)
    {
        Assert.Equal(expected, StepFunctionSignature.Verify(Encoding.UTF8.GetBytes("what do ya want for nothing?"), "Jefe", signature));
    }
}

using Amazon.Runtime;
using Amazon.SQS;

namespace Checkout.Tests.Functions;

/// <summary>The fauxqs server <c>eng/test.sh</c> starts (SQS on 127.0.0.1).</summary>
internal static class Fauxqs
{
    /// <summary>An SQS client of the fauxqs at <c>SAGAS_TEST_SQS</c>.</summary>
    public static AmazonSQSClient Client()
    {
        var endpoint = Environment.GetEnvironmentVariable("SAGAS_TEST_SQS")
            ?? throw new InvalidOperationException("SAGAS_TEST_SQS is not set: run the tests through eng/test.sh, which starts fauxqs.");
        return new AmazonSQSClient(new BasicAWSCredentials("test", "test"), new AmazonSQSConfig { ServiceURL = endpoint, AuthenticationRegion = "us-east-1" });
    }
}

using System.Data.Common;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Azure;
using Sagas.CloudEvents;
using Sagas.Faults;

namespace Sagas.Tests.Faults;

public sealed class InfrastructureFaultsTests
{
    public static TheoryData<string, Exception> Outages => new()
    {
        { "socket", new SocketException((int)SocketError.ConnectionRefused) },
        { "I/O", new IOException("connection reset") },
        { "timeout", new TimeoutException() },
        { "HTTP without an answer", new HttpRequestException("refused") },
        { "HTTP 503", new HttpRequestException("unavailable", null, HttpStatusCode.ServiceUnavailable) },
        { "transient database error", new FakeDbException(isTransient: true, sqlState: null) },
        { "PostgreSQL shutting down", new FakeDbException(isTransient: false, sqlState: "57P01") },
        { "wrapped", new InvalidOperationException("send failed", new SocketException((int)SocketError.HostUnreachable)) },
        { "all of an aggregate", new AggregateException(new TimeoutException(), new IOException()) },
        { "SQS 500", Sqs(HttpStatusCode.InternalServerError, ErrorType.Receiver) },
        { "SQS 503", Sqs(HttpStatusCode.ServiceUnavailable, ErrorType.Receiver) },
        { "SQS throttled", new AmazonSQSException("Rate exceeded", ErrorType.Sender, "ThrottlingException", "r-1", HttpStatusCode.TooManyRequests) },
        { "SQS client without an answer", new AmazonClientException("no response", new HttpRequestException("refused")) },
        { "Storage Queue 503", new RequestFailedException(503, "Server busy") },
        { "Storage Queue timeout", new RequestFailedException(408, "Operation timed out") },
        { "Storage Queue without an answer", new RequestFailedException(0, "No response", new IOException("reset")) },
    };

    public static TheoryData<string, Exception> NotOutages => new()
    {
        { "bad input", new CloudEventRejectedException("unknown event type") },
        { "a bug", new InvalidOperationException("null state") },
        { "HTTP 400", new HttpRequestException("bad request", null, HttpStatusCode.BadRequest) },
        { "a permanent database error", new FakeDbException(isTransient: false, sqlState: "23505") },
        { "part of an aggregate", new AggregateException(new TimeoutException(), new InvalidOperationException()) },
        { "SQS queue missing", new QueueDoesNotExistException("The specified queue does not exist.", ErrorType.Sender, "AWS.SimpleQueueService.NonExistentQueue", "r-1", HttpStatusCode.BadRequest) },
        { "SQS access denied", Sqs(HttpStatusCode.Forbidden, ErrorType.Sender) },
        { "Storage Queue 404", new RequestFailedException(404, "QueueNotFound") },
        { "Storage Queue 403", new RequestFailedException(403, "AuthorizationFailure") },
    };

    [Theory]
    [MemberData(nameof(Outages))]
    public void An_outage_of_the_infrastructure_is_waited_out(string what, Exception exception)
        => Assert.True(InfrastructureFaults.IsInfrastructure(exception), what);

    [Theory]
    [MemberData(nameof(NotOutages))]
    public void Anything_else_is_not(string what, Exception exception)
        => Assert.False(InfrastructureFaults.IsInfrastructure(exception), what);

    private static AmazonSQSException Sqs(HttpStatusCode status, ErrorType type)
        => new($"status {(int)status}", type, "Error", "r-1", status);

    private sealed class FakeDbException(bool isTransient, string? sqlState) : DbException("database")
    {
        public override bool IsTransient => isTransient;

        public override string? SqlState => sqlState;
    }
}

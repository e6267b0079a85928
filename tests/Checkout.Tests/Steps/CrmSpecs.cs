using System.Net;
using System.Net.Http.Json;
using Checkout.Contracts;
using Checkout.Steps.CrmUpdates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Checkout.Tests.Steps;

public sealed class When_the_crm_is_updated : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly UpdateCrm _command = new(Guid.CreateVersion7(), "customer-3", 41.50m);

    [Fact]
    public async Task The_call_posts_the_order_with_the_step_idempotency_key()
    {
        var crm = new StubCrm(HttpStatusCode.NoContent);
        var context = Contexts.For(_command.OrderId, "UpdateCrm");

        var outcome = await Handler(crm).HandleAsync(_command, context);

        Assert.True(outcome.Succeeded);
        var request = Assert.Single(crm.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(new Uri("http://crm.test/orders"), request.Uri);
        Assert.Equal(context.IdempotencyKey, request.IdempotencyKey);
        Assert.Equal(new CrmOrderUpdate(_command.OrderId, "customer-3", 41.50m), request.Body);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    public async Task A_server_error_throws_so_the_step_is_retried(HttpStatusCode status)
    {
        var handler = Handler(new StubCrm(status));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => handler.HandleAsync(_command, Contexts.For(_command.OrderId, "UpdateCrm")).AsTask());

        Assert.Equal(status, error.StatusCode);
        Assert.StartsWith($"CRM answered {(int)status}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_request_is_a_business_failure_with_the_crm_reason()
    {
        var handler = Handler(new StubCrm(HttpStatusCode.BadRequest, "unknown customer"));

        var outcome = await handler.HandleAsync(_command, Contexts.For(_command.OrderId, "UpdateCrm"));

        Assert.Equal("CRM refused the update: 400 Bad Request: unknown customer", outcome.FailureReason);
    }

    [Fact]
    public async Task A_crm_that_does_not_answer_in_time_throws_a_timeout()
    {
        var handler = Handler(new StubCrm(HttpStatusCode.NoContent, delay: Timeout.InfiniteTimeSpan), o => o.CrmTimeout = TimeSpan.FromMilliseconds(50));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => handler.HandleAsync(_command, Contexts.For(_command.OrderId, "UpdateCrm")).AsTask());

        Assert.Contains("did not answer within 0.05 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_crm_that_cannot_be_reached_throws()
    {
        var handler = Handler(new StubCrm(new HttpRequestException("Connection refused")));

        await Assert.ThrowsAsync<HttpRequestException>(() => handler.HandleAsync(_command, Contexts.For(_command.OrderId, "UpdateCrm")).AsTask());
    }

    public void Dispose() => _folder.Dispose();

    private UpdateCrmHandler Handler(StubCrm crm, Action<Checkout.Steps.CheckoutStepsOptions>? configure = null)
    {
        var services = new ServiceCollection().BuildServiceProvider();
        return new UpdateCrmHandler(new CrmClient(new HttpClient(crm), _folder.Options(configure), services), NullLogger<UpdateCrmHandler>.Instance);
    }

    private sealed record SeenRequest(HttpMethod Method, Uri? Uri, string? IdempotencyKey, CrmOrderUpdate? Body);

    private sealed class StubCrm : HttpMessageHandler
    {
        private readonly HttpStatusCode _status;
        private readonly string _body = string.Empty;
        private readonly TimeSpan _delay;
        private readonly Exception? _failure;

        public StubCrm(HttpStatusCode status, string body = "", TimeSpan? delay = null) => (_status, _body, _delay) = (status, body, delay ?? TimeSpan.Zero);

        public StubCrm(Exception failure) => _failure = failure;

        public List<SeenRequest> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(new SeenRequest(
                request.Method,
                request.RequestUri,
                request.Headers.TryGetValues("Idempotency-Key", out var keys) ? keys.Single() : null,
                request.Content is null ? null : await request.Content.ReadFromJsonAsync<CrmOrderUpdate>(cancellationToken)));
            if (_failure is not null)
            {
                throw _failure;
            }

            if (_delay != TimeSpan.Zero)
            {
                await Task.Delay(_delay, cancellationToken);
            }

            return new HttpResponseMessage(_status) { Content = new StringContent(_body) };
        }
    }
}

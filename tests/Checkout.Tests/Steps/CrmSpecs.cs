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
    public async Task A_server_error_that_outlasts_the_call_retries_throws_so_the_step_is_retried(HttpStatusCode status)
    {
        var crm = new StubCrm(status);
        var handler = Handler(crm, o => o.CrmRetryDelay = TimeSpan.FromMilliseconds(1));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => handler.HandleAsync(_command, Contexts.For(_command.OrderId, "UpdateCrm")).AsTask());

        Assert.Equal(status, error.StatusCode);
        Assert.StartsWith($"CRM answered {(int)status}", error.Message, StringComparison.Ordinal);
        Assert.Equal(1 + 3, crm.Requests.Count); // the default CrmRetries
    }

    [Fact]
    public async Task A_blip_of_server_errors_is_tried_again_within_the_call_with_the_same_idempotency_key()
    {
        var crm = new StubCrm(HttpStatusCode.ServiceUnavailable, HttpStatusCode.BadGateway, HttpStatusCode.NoContent);
        var context = Contexts.For(_command.OrderId, "UpdateCrm");

        var outcome = await Handler(crm, o => o.CrmRetryDelay = TimeSpan.FromMilliseconds(1)).HandleAsync(_command, context);

        Assert.True(outcome.Succeeded);
        Assert.Equal(3, crm.Requests.Count);
        Assert.All(crm.Requests, r => Assert.Equal(context.IdempotencyKey, r.IdempotencyKey));
        Assert.All(crm.Requests, r => Assert.Equal(new CrmOrderUpdate(_command.OrderId, "customer-3", 41.50m), r.Body));
    }

    [Fact]
    public async Task A_failed_connection_is_tried_again_within_the_call()
    {
        var crm = new StubCrm(new HttpRequestException("Connection refused"), HttpStatusCode.NoContent);

        var outcome = await Handler(crm, o => o.CrmRetryDelay = TimeSpan.Zero).HandleAsync(_command, Contexts.For(_command.OrderId, "UpdateCrm"));

        Assert.True(outcome.Succeeded);
        Assert.Equal(2, crm.Requests.Count);
    }

    [Fact]
    public async Task With_no_call_retries_a_server_error_throws_after_one_request()
    {
        var crm = new StubCrm(HttpStatusCode.ServiceUnavailable, HttpStatusCode.NoContent);

        await Assert.ThrowsAsync<HttpRequestException>(() => Handler(crm, o => o.CrmRetries = 0).HandleAsync(_command, Contexts.For(_command.OrderId, "UpdateCrm")).AsTask());

        Assert.Single(crm.Requests);
    }

    [Fact]
    public async Task A_bad_request_is_a_business_failure_with_the_crm_reason()
    {
        var crm = new StubCrm(HttpStatusCode.BadRequest, "unknown customer");
        var handler = Handler(crm);

        var outcome = await handler.HandleAsync(_command, Contexts.For(_command.OrderId, "UpdateCrm"));

        Assert.Equal("CRM refused the update: 400 Bad Request: unknown customer", outcome.FailureReason);
        Assert.Single(crm.Requests); // a refusal is not tried again
    }

    [Fact]
    public async Task A_crm_that_does_not_answer_in_time_throws_a_timeout()
    {
        var crm = new StubCrm(HttpStatusCode.NoContent, delay: Timeout.InfiniteTimeSpan);
        var handler = Handler(crm, o => o.CrmTimeout = TimeSpan.FromMilliseconds(50));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => handler.HandleAsync(_command, Contexts.For(_command.OrderId, "UpdateCrm")).AsTask());

        Assert.Contains("did not answer within 0.05 s", error.Message, StringComparison.Ordinal);
        Assert.Single(crm.Requests); // a slow CRM is not pressed with more calls
    }

    [Fact]
    public async Task A_crm_that_cannot_be_reached_throws()
    {
        var handler = Handler(new StubCrm(new HttpRequestException("Connection refused")), o => o.CrmRetryDelay = TimeSpan.Zero);

        await Assert.ThrowsAsync<HttpRequestException>(() => handler.HandleAsync(_command, Contexts.For(_command.OrderId, "UpdateCrm")).AsTask());
    }

    public void Dispose() => _folder.Dispose();

    private UpdateCrmHandler Handler(StubCrm crm, Action<Checkout.Steps.CheckoutStepsOptions>? configure = null)
    {
        var services = new ServiceCollection().BuildServiceProvider();
        var options = _folder.Options(configure);
        return new UpdateCrmHandler(new CrmClient(new HttpClient(crm), options, new CrmRetryPolicy(options, TimeProvider.System), services), NullLogger<UpdateCrmHandler>.Instance);
    }

    private sealed record SeenRequest(HttpMethod Method, Uri? Uri, string? IdempotencyKey, CrmOrderUpdate? Body);

    // Answers each request with the next of its answers (a status or a failure to throw); the last one repeats.
    private sealed class StubCrm : HttpMessageHandler
    {
        private readonly object[] _answers;
        private readonly string _body = string.Empty;
        private readonly TimeSpan _delay;

        public StubCrm(HttpStatusCode status, string body = "", TimeSpan? delay = null) => (_answers, _body, _delay) = ([status], body, delay ?? TimeSpan.Zero);

        public StubCrm(params object[] answers) => _answers = answers;

        public List<SeenRequest> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(new SeenRequest(
                request.Method,
                request.RequestUri,
                request.Headers.TryGetValues("Idempotency-Key", out var keys) ? keys.Single() : null,
                request.Content is null ? null : await request.Content.ReadFromJsonAsync<CrmOrderUpdate>(cancellationToken)));
            var answer = _answers[Math.Min(Requests.Count, _answers.Length) - 1];
            if (answer is Exception failure)
            {
                throw failure;
            }

            if (_delay != TimeSpan.Zero)
            {
                await Task.Delay(_delay, cancellationToken);
            }

            return new HttpResponseMessage((HttpStatusCode)answer) { Content = new StringContent(_body) };
        }
    }
}

using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Checkout;
using Checkout.Saga;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sagas.Inbox;
using Sagas.Outbox;
using Sagas.Persistence;
using Sagas.Steps;

namespace Sagas.Inspector.Tests.Harness;

/// <summary>
/// The checkout (in memory) with the inspector at <c>/sagas</c> on a test server. Callers name themselves with the
/// <c>X-Test-User</c> header (<c>name</c> or <c>name;operator</c>); policy "sagas-read" needs a user, "sagas-operate" the
/// operator role. Actions are recorded by a publisher that keeps what it was given.
/// </summary>
internal sealed class InspectorHost : IAsyncDisposable
{
    public static readonly DateTimeOffset T0 = new(2026, 5, 1, 8, 0, 0, TimeSpan.Zero);

    private readonly WebApplication _app;

    private InspectorHost(WebApplication app, RecordingPublisher publisher)
    {
        _app = app;
        Published = publisher;
    }

    public RecordingPublisher Published { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<InspectorHost> StartAsync(Action<SagaInspectorOptions>? configure = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        var publisher = new RecordingPublisher();
        builder.Services.AddSagas(s => s.AddCheckout());
        builder.Services.RemoveAll<IOutboxPublisher>();
        builder.Services.AddSingleton<IOutboxPublisher>(publisher);
        builder.Services.AddAuthentication("Test").AddScheme<AuthenticationSchemeOptions, TestUserHandler>("Test", null);
        var app = Build(builder, configure);
        await app.StartAsync();
        return new InspectorHost(app, publisher);
    }

    /// <summary>
    /// Adds the test policies ("sagas-read": a user; "sagas-operate": the operator role) and the inspector over the checkout,
    /// builds the application and maps the inspector at <c>/sagas</c>; the builder brings the sagas and the authentication.
    /// </summary>
    internal static WebApplication Build(WebApplicationBuilder builder, Action<SagaInspectorOptions>? configure)
    {
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy("sagas-read", p => p.RequireAuthenticatedUser())
            .AddPolicy("sagas-operate", p => p.RequireRole("operator"));
        builder.Services.AddSagaInspector(o =>
        {
            o.ReadPolicy = "sagas-read";
            o.ActionPolicy = "sagas-operate";
            o.AddSaga<CheckoutSaga, CheckoutState>();
            configure?.Invoke(o);
        });
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapSagaInspector("/sagas");
        return app;
    }

    public HttpClient Client(string? user)
    {
        var client = _app.GetTestClient();
        if (user is not null)
        {
            client.DefaultRequestHeaders.Add("X-Test-User", user);
        }

        return client;
    }

    /// <summary>Commits a checkout saga in <paramref name="state"/> straight into the store.</summary>
    public async Task<Guid> SeedAsync(int number, string state, string? step, string? reason = null, string? traceId = null)
    {
        var id = Guid.Parse($"01900000-0000-7000-8000-{number:D12}");
        var saga = new CheckoutState
        {
            CorrelationId = id,
            CurrentState = state,
            CurrentStep = step,
            Reason = reason,
            TraceId = traceId,
            StartedAt = T0.AddMinutes(number),
            Steps = [new StepProgress { Name = "ReserveInventory", Status = StepStatus.Completed, Attempt = 1 }, new StepProgress { Name = "UpdateCrm", Status = state == "Faulted" ? StepStatus.Failed : StepStatus.WaitingRetry, Attempt = 3, LastError = reason }],
            History = [new StepHistoryEntry(T0, StepHistoryEntry.Saga, StepHistoryKind.Started, 0, null)],
        };
        var store = _app.Services.GetRequiredService<ISagaStore<CheckoutState>>();
        await store.CommitAsync(id, saga, 0, new MessageTransaction(new InboxKey("inspector-tests", "/tests", $"seed-{number}")), default);
        return id;
    }

    /// <summary>An anti-forgery token for <paramref name="client"/>: sets its cookie and returns the header to send.</summary>
    public static async Task<(string Header, string Token)> AntiforgeryAsync(HttpClient client)
    {
        using var response = await client.GetAsync(new Uri("/sagas/api/antiforgery", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        var cookie = response.Headers.GetValues("Set-Cookie").First().Split(';')[0];
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        var body = await response.Content.ReadFromJsonAsync<AntiforgeryAnswer>();
        return (body!.HeaderName, body.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed record AntiforgeryAnswer(string HeaderName, string Token);

    /// <summary>Keeps each published message with its key; a key seen before publishes nothing, as the outbox does.</summary>
    internal sealed class RecordingPublisher : IOutboxPublisher
    {
        private readonly Dictionary<string, object> _byKey = [];

        public IReadOnlyDictionary<string, object> ByKey => _byKey;

        public Task<bool> PublishAsync<T>(T message, string idempotencyKey, CancellationToken cancellationToken = default)
            where T : class
        {
            lock (_byKey)
            {
                return Task.FromResult(_byKey.TryAdd(idempotencyKey, message));
            }
        }
    }

    private sealed class TestUserHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var header = Request.Headers["X-Test-User"].ToString();
            if (string.IsNullOrEmpty(header))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var parts = header.Split(';');
            var claims = new List<Claim> { new(ClaimTypes.Name, parts[0]) };
            claims.AddRange(parts.Skip(1).Select(role => new Claim(ClaimTypes.Role, role)));
            var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, "Test"));
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, "Test")));
        }
    }
}

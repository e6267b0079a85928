using System.Security.Claims;
using System.Text.Encodings.Web;
using Checkout;
using Checkout.Saga;
using MassTransit;
using MassTransit.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sagas.CloudEvents;
using Sagas.Persistence;

namespace Sagas.Inspector.Tests.Harness;

/// <summary>
/// The checkout (in memory, on the real clock) with the inspector at <c>/sagas/</c> on a real port of 127.0.0.1, for a
/// browser. Every request is signed in as the operator "olga"; actions go through the real outbox to the running sagas.
/// </summary>
internal sealed class BrowserHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BrowserHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The inspector page.</summary>
    public Uri Address { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<BrowserHost> StartAsync(Action<SagasBuilder>? configure = null, CheckoutSettings? settings = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        if (settings is not null)
        {
            builder.Services.AddSingleton(settings); // before AddCheckout, which only adds the defaults when none are registered
        }

        builder.Services.AddSagas(s =>
        {
            s.AddCheckout();
            configure?.Invoke(s);
        });
        builder.Services.AddAuthentication("Olga").AddScheme<AuthenticationSchemeOptions, OlgaHandler>("Olga", null);
        var app = InspectorHost.Build(builder, o => o.TraceUrlTemplate = "http://jaeger.example:16686/trace/{traceId}");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BrowserHost(app, new Uri(new Uri(address), "/sagas/"));
    }

    /// <summary>Puts <paramref name="message"/> on <paramref name="queue"/> as a producer would: a structured CloudEvent.</summary>
    public async Task SendAsync(string queue, object message, string id, Guid subject)
    {
        var converter = Services.GetRequiredService<CloudEventConverter>();
        var cloudEvent = converter.ToCloudEvent(message, new EventMetadata
        {
            Id = id,
            Source = new Uri("https://shop.example.com/web"),
            Subject = subject.ToString(),
            CorrelationId = subject.ToString(),
            Time = DateTimeOffset.UtcNow,
        });
        var body = converter.EncodeStructured(cloudEvent);
        var endpoint = await Services.GetRequiredService<IBus>().GetSendEndpoint(new Uri($"queue:{queue}"));
        await endpoint.Send(new SerializedMessageBody(), Pipe.Execute<SendContext<SerializedMessageBody>>(context =>
            context.Serializer = new CopyBodySerializer(new System.Net.Mime.ContentType(CloudEventConverter.StructuredContentType), new BytesMessageBody(body.ToArray()))));
    }

    /// <summary>Waits until the saga <paramref name="id"/> is in <paramref name="state"/> (and, when given, at <paramref name="step"/>).</summary>
    public async Task<CheckoutState> WaitForAsync(Guid id, string state, string? step = null)
    {
        var store = Services.GetRequiredService<ISagaStore<CheckoutState>>();
        for (var i = 0; i < 300; i++)
        {
            if ((await store.LoadAsync(id, default))?.State is { } saga && saga.CurrentState == state && (step is null || saga.CurrentStep == step))
            {
                return saga;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Saga {id} did not reach {state}{(step is null ? string.Empty : " at " + step)}.");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class OlgaHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "olga"), new Claim(ClaimTypes.Role, "operator")], "Olga");
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), "Olga")));
        }
    }
}

using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Checkout.Steps.CrmUpdates;

/// <summary>What the CRM is told about an order.</summary>
/// <param name="OrderId">The order.</param>
/// <param name="CustomerId">The customer who placed it.</param>
/// <param name="Total">The order total.</param>
public sealed record CrmOrderUpdate(Guid OrderId, string CustomerId, decimal Total);

/// <summary>The answer of the CRM to an update.</summary>
/// <param name="Accepted">Whether the CRM recorded it (a 2xx answer).</param>
/// <param name="Reason">When refused (a 4xx answer other than 408 and 429), the status and the CRM's explanation.</param>
public sealed record CrmAnswer(bool Accepted, string? Reason);

/// <summary>
/// The typed HTTP client of the CRM: <c>POST</c>s an order update as JSON to <see cref="CheckoutStepsOptions.CrmUrl"/> with an
/// <c>Idempotency-Key</c> header, so the CRM records a retried update once. A 5xx, 408 or 429 answer or a failed connection
/// is tried again as <paramref name="retries"/> says before it counts as the step's transient failure.
/// </summary>
public sealed class CrmClient(HttpClient http, IOptions<CheckoutStepsOptions> options, CrmRetryPolicy retries, IServiceProvider services)
{
    /// <summary>The header carrying the idempotency key.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>
    /// Sends <paramref name="update"/>. A refusal (4xx) comes back as an answer; a 5xx, 408 or 429 still there after the
    /// retries, a timeout of one try (<see cref="CheckoutStepsOptions.CrmTimeout"/>) or a connection failure throws, because
    /// a later attempt of the step may succeed.
    /// </summary>
    /// <exception cref="HttpRequestException">The CRM answered 5xx, 408 or 429, or could not be reached.</exception>
    /// <exception cref="TimeoutException">The CRM did not answer in time.</exception>
    public async Task<CrmAnswer> SendAsync(CrmOrderUpdate update, string idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        var endpoint = Resolve(options.Value.CrmUrl ?? throw new InvalidOperationException("Checkout:CrmUrl is not set."));
        using var response = await retries.Pipeline.ExecuteAsync(
            static (state, token) => state.Client.TryAsync(state.Update, state.Key, state.Endpoint, token),
            (Client: this, Update: update, Key: idempotencyKey, Endpoint: endpoint),
            cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return new CrmAnswer(true, null);
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        if (CrmRetryPolicy.IsTransient(response.StatusCode))
        {
            throw new HttpRequestException($"CRM answered {status} for customer {update.CustomerId}", null, response.StatusCode);
        }

        return new CrmAnswer(false, $"CRM refused the update: {status}{(body.Length == 0 ? "" : $": {body}")}");
    }

    // One try: a new request each time (a request message is sent once), the same idempotency key.
    private async ValueTask<HttpResponseMessage> TryAsync(CrmOrderUpdate update, string idempotencyKey, Uri endpoint, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = JsonContent.Create(update, CrmJsonContext.Default.CrmOrderUpdate) };
        request.Headers.Add(IdempotencyKeyHeader, idempotencyKey);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.CrmTimeout);
        try
        {
            return await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The CRM at {endpoint} did not answer within {settings.CrmTimeout.TotalSeconds:0.###} s.");
        }
    }

    // A relative CrmUrl points at this process's own HTTP server (the sandbox CRM of a function host).
    private Uri Resolve(Uri url)
    {
        if (url.IsAbsoluteUri)
        {
            return url;
        }

        var addresses = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses;
        var own = addresses?.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses?.FirstOrDefault()
            ?? throw new InvalidOperationException($"Checkout:CrmUrl '{url}' is relative, which needs this process to run an HTTP server that has started; set an absolute URL instead.");
        var builder = new UriBuilder(own.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal));
        if (builder.Host is "0.0.0.0" or "[::]" or "::")
        {
            builder.Host = "localhost";
        }

        return new Uri(builder.Uri, url);
    }
}

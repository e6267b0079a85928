using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Checkout.Contracts;

namespace Checkout.Soak;

/// <summary>
/// The soak's client of the checkout API: POSTs orders (again after a 503, honouring Retry-After, or after a connection
/// error) and reads sagas back; counts every answer that is not the expected one.
/// </summary>
internal sealed class OrderClient(Uri api) : IDisposable
{
    private static readonly TimeSpan SubmitPatience = TimeSpan.FromMinutes(10);
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
    {
        BaseAddress = api,
        Timeout = TimeSpan.FromSeconds(30),
    };

    private long _unavailable;
    private long _serverErrors;
    private long _connectionErrors;

    /// <summary>Answers 503 (with Retry-After) seen.</summary>
    public long Unavailable => Interlocked.Read(ref _unavailable);

    /// <summary>Answers 500 (or any 5xx but 503) seen: each one is a defect.</summary>
    public long ServerErrors => Interlocked.Read(ref _serverErrors);

    /// <summary>Requests that got no answer at all.</summary>
    public long ConnectionErrors => Interlocked.Read(ref _connectionErrors);

    /// <summary>POSTs <paramref name="order"/> until the API accepts it (bounded); returns whether it did.</summary>
    public async Task<bool> SubmitAsync(OrderSubmitted order)
    {
        var until = Stopwatch.GetTimestamp() + (long)(SubmitPatience.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < until)
        {
            try
            {
                using var response = await _http.PostAsJsonAsync("/orders", order);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    return true;
                }

                if (!await BackOffAsync(response))
                {
                    throw new InvalidOperationException($"POST /orders for {order.OrderId} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref _connectionErrors);
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }

        return false;
    }

    /// <summary>The saga of <paramref name="orderId"/> as <c>GET /orders/{id}</c> shows it; <see langword="null"/> while it has not started (404) or the API cannot answer.</summary>
    public async Task<JsonElement?> GetAsync(Guid orderId)
    {
        try
        {
            using var response = await _http.GetAsync($"/orders/{orderId}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return await response.Content.ReadFromJsonAsync<JsonElement>();
            }

            if (response.StatusCode != HttpStatusCode.NotFound)
            {
                await BackOffAsync(response);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            Interlocked.Increment(ref _connectionErrors);
        }

        return null;
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Counts a 5xx answer and waits as it asks; false for an answer that sending again cannot change (4xx).</summary>
    private async Task<bool> BackOffAsync(HttpResponseMessage response)
    {
        if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
        {
            Interlocked.Increment(ref _unavailable);
            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
            return true;
        }

        if ((int)response.StatusCode >= 500)
        {
            Interlocked.Increment(ref _serverErrors);
            await Task.Delay(TimeSpan.FromSeconds(1));
            return true;
        }

        return false;
    }
}

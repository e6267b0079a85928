using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Sagas.Faults;

namespace Checkout.ServiceDefaults;

/// <summary>
/// Answers a request that failed because PostgreSQL, the broker or the network is unavailable (see
/// <see cref="InfrastructureFaults.IsInfrastructure"/>) with <c>503 Service Unavailable</c>, a <c>Retry-After</c> header and
/// problem+json, never a 500: the request was fine and can be sent again (POST /orders with the same order id is idempotent).
/// </summary>
public sealed partial class UnavailableProblemHandler(IProblemDetailsService problems, ILogger<UnavailableProblemHandler> logger) : IExceptionHandler
{
    /// <summary>The <c>Retry-After</c> the client is given, in seconds.</summary>
    public const int RetryAfterSeconds = 5;

    /// <inheritdoc />
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(exception);
        if (!InfrastructureFaults.IsInfrastructure(exception))
        {
            return false;
        }

        LogUnavailable(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The service is unavailable for a moment",
                Detail = $"A service it depends on is unavailable ({exception.GetBaseException().GetType().Name}); nothing was lost. Send the request again after {RetryAfterSeconds} s.",
            },
        }).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: a dependency is unavailable")]
    private static partial void LogUnavailable(ILogger logger, Exception exception, string method, string path);
}

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Checkout.Steps.Output;

/// <summary>
/// Removes what interrupted writes leave in the invoice and mail folders: at start, then every <see cref="Interval"/>, the
/// temporary files (<see cref="AtomicFile"/>) not written to for <see cref="Age"/>. A complete file is never touched.
/// </summary>
internal sealed partial class AbandonedWritesCleanup(IOptions<CheckoutStepsOptions> options, TimeProvider time, ILogger<AbandonedWritesCleanup> logger) : BackgroundService
{
    /// <summary>How long a temporary file must be untouched before it counts as abandoned (a write takes well under a second).</summary>
    public static readonly TimeSpan Age = TimeSpan.FromSeconds(30);

    /// <summary>How often the folders are looked at after the start.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    /// <summary>One pass over both folders; returns how many files it deleted.</summary>
    public int CleanOnce()
    {
        var settings = options.Value;
        var before = time.GetUtcNow() - Age;
        var deleted = AtomicFile.DeleteAbandoned(settings.OutputDirectory, before) + AtomicFile.DeleteAbandoned(settings.PickupDirectory, before);
        if (deleted > 0)
        {
            LogDeleted(logger, deleted);
        }

        return deleted;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                CleanOnce();
                await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogFailed(logger, ex);
                await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} temporary file(s) of interrupted writes")]
    private static partial void LogDeleted(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not clean up temporary files of interrupted writes; trying again later")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

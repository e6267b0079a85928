namespace Checkout.Steps.Output;

/// <summary>Writes a file under a temporary name and renames it into place, so a crash never leaves a half-written file.</summary>
internal static class AtomicFile
{
    private const string TemporaryPattern = ".*.tmp";

    /// <summary>
    /// Writes <paramref name="path"/> with <paramref name="write"/> unless it exists. Returns <see langword="true"/> when this
    /// call created it, <see langword="false"/> when it was there already (or another writer won the race to the same name).
    /// </summary>
    public static async Task<bool> CreateAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        if (File.Exists(path))
        {
            return false;
        }

        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);

        // A leading dot and a .tmp suffix: readers of the folder (a mail pickup service) skip it, and DeleteAbandoned finds it.
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 16 * 1024, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            try
            {
                File.Move(temporary, path, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(path))
            {
                return false; // a concurrent duplicate got there first: its file is the same document
            }
        }
        finally
        {
            File.Delete(temporary); // no-op once moved
        }
    }

    /// <summary>
    /// Deletes the temporary files of writes into <paramref name="directory"/> that were interrupted (the process died between
    /// creating one and renaming it into place) and that were last written before <paramref name="writtenBefore"/>, so a write
    /// still under way in another process is left alone. Returns how many it deleted; a missing folder has none.
    /// </summary>
    public static int DeleteAbandoned(string directory, DateTimeOffset writtenBefore)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        var deleted = 0;
        foreach (var temporary in Directory.EnumerateFiles(directory, TemporaryPattern))
        {
            try
            {
                if (File.GetLastWriteTimeUtc(temporary) < writtenBefore.UtcDateTime)
                {
                    File.Delete(temporary);
                    deleted++;
                }
            }
            catch (IOException)
            {
                // gone meanwhile, or in use: a later pass looks again
            }
        }

        return deleted;
    }

    /// <summary>A file name made of the safe characters of <paramref name="value"/> (an idempotency key holds <c>:</c>).</summary>
    public static string SafeName(string value)
        => string.Create(value.Length, value, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-';
            }
        });
}

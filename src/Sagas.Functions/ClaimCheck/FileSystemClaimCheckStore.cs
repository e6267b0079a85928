namespace Sagas.Functions.ClaimCheck;

/// <summary>
/// An <see cref="IClaimCheckStore"/> in a directory, one file per payload named by its key: for a single machine, or a
/// directory every sender and receiver mounts (NFS, Amazon EFS, an Azure Files share).
/// </summary>
/// <remarks>
/// A payload is written to a temporary file and renamed into place, so a reader never sees half a payload. Keys are
/// checked to be plain file names (letters, digits, <c>-</c>, <c>_</c>), so a reference cannot point outside the directory.
/// </remarks>
public sealed class FileSystemClaimCheckStore : IClaimCheckStore
{
    /// <summary>Uses <paramref name="directory"/>, creating it when it does not exist.</summary>
    /// <param name="directory">Where payload files are kept.</param>
    public FileSystemClaimCheckStore(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = System.IO.Directory.CreateDirectory(directory).FullName;
    }

    /// <summary>The full path of the directory holding the payloads.</summary>
    public string Directory { get; }

    /// <inheritdoc />
    public async ValueTask PutAsync(string key, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        if (File.Exists(path))
        {
            return; // content-addressed: the same key holds the same bytes
        }

        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                await file.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <inheritdoc />
    public async ValueTask<ReadOnlyMemory<byte>?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        try
        {
            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        File.Delete(PathOf(key));
        return ValueTask.CompletedTask;
    }

    private string PathOf(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (key.Length > 128 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException($"Claim-check key '{key}' is not a plain file name (letters, digits, '-', '_', at most 128 characters).", nameof(key));
        }

        return Path.Combine(Directory, key);
    }
}

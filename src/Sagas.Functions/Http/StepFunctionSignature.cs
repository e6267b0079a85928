using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Sagas.Functions.Http;

/// <summary>
/// The request signature of the HTTP host: <c>sha256=</c> followed by the hex HMAC-SHA256 of the raw request body,
/// keyed with the UTF-8 bytes of the shared secret, in the <c>X-Sagas-Signature</c> header. Senders (such as the
/// container-side gateway) sign with <see cref="Create"/>.
/// </summary>
/// <remarks>A replayed signed request is harmless: the runner's inbox answers it with the stored reply.</remarks>
public static class StepFunctionSignature
{
    /// <summary>The default signature header, <c>X-Sagas-Signature</c>.</summary>
    public const string DefaultHeaderName = "X-Sagas-Signature";

    /// <summary>The prefix naming the algorithm, <c>sha256=</c>.</summary>
    public const string Prefix = "sha256=";

    /// <summary>The header value for <paramref name="body"/>: <c>sha256=</c> + 64 lower-case hex digits.</summary>
    public static string Create(ReadOnlySpan<byte> body, string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, mac);
        return Prefix + Convert.ToHexStringLower(mac);
    }

    /// <summary>
    /// Whether <paramref name="signature"/> is the signature of <paramref name="body"/> with <paramref name="secret"/>.
    /// The comparison takes the same time wherever the first difference is.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> body, string secret, string? signature)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        if (signature is null || !signature.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var hex = signature.AsSpan(Prefix.Length).Trim();
        Span<byte> given = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (hex.Length != given.Length * 2
            || Convert.FromHexString(hex, given, out _, out var written) != OperationStatus.Done
            || written != given.Length)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, expected);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}

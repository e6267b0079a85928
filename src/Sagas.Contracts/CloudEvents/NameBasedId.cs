using System.Security.Cryptography;
using System.Text;

namespace Sagas.CloudEvents;

/// <summary>
/// The one way Sagas derives an id from a name: a version 8 (name-based, SHA-256) UUID of its UTF-8 bytes. The same name
/// always gives the same id, so a copy of an event (a redelivery, a reply sent again) gets the id of the original and is
/// recognised by an inbox.
/// </summary>
public static class NameBasedId
{
    /// <summary>The id of <paramref name="name"/>; callers join the parts of a name with <c>\n</c>.</summary>
    public static Guid Create(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(name), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8: custom, name-based
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(hash[..16], bigEndian: true);
    }
}

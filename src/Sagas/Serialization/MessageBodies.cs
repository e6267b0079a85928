using System.Runtime.InteropServices;
using MassTransit;
using MassTransit.Serialization;

namespace Sagas.Serialization;

/// <summary>MassTransit message bodies over bytes Sagas already holds.</summary>
internal static class MessageBodies
{
    /// <summary>A body over <paramref name="bytes"/> itself when it is one whole array (as encoded bodies are), else over a copy.</summary>
    public static MessageBody Of(ReadOnlyMemory<byte> bytes)
        => new BytesMessageBody(MemoryMarshal.TryGetArray(bytes, out var array) && array.Offset == 0 && array.Count == array.Array!.Length ? array.Array : bytes.ToArray());
}

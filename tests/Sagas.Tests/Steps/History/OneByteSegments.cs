using System.Buffers;

namespace Sagas.Tests.Steps.History;

/// <summary>A buffer as a sequence of one-byte segments, so every token a reader meets spans segments.</summary>
internal sealed class OneByteSegments : ReadOnlySequenceSegment<byte>
{
    private OneByteSegments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Of(byte[] bytes)
    {
        var first = new OneByteSegments(bytes.AsMemory(0, 1), 0);
        var last = first;
        for (var i = 1; i < bytes.Length; i++)
        {
            var next = new OneByteSegments(bytes.AsMemory(i, 1), i);
            last.Next = next;
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, 1);
    }
}

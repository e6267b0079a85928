using System.Buffers;
using System.Text.Json;

namespace Sagas.CloudEvents.Structured;

/// <summary>
/// A JSON writer and its buffer, kept per thread between encodes instead of a growing stream per message. A nested
/// encode on the same thread (a data converter that encodes an event of its own) gets one of its own.
/// </summary>
internal sealed class PooledJsonWriter
{
    private const int LargestKeptBuffer = 256 * 1024;

    [ThreadStatic]
    private static PooledJsonWriter? t_kept;

    private readonly ArrayBufferWriter<byte> _buffer = new(1024);

    private PooledJsonWriter(JsonWriterOptions options) => Json = new Utf8JsonWriter(_buffer, options);

    public Utf8JsonWriter Json { get; }

    /// <summary>Names written so far in this encode, for a writer that must not write one twice.</summary>
    public List<string> Names { get; } = new(12);

    public static PooledJsonWriter Rent(JsonWriterOptions options)
    {
        var kept = t_kept;
        t_kept = null;
        return kept is not null && kept.Json.Options.Encoder == options.Encoder && kept.Json.Options.Indented == options.Indented
            ? kept
            : new PooledJsonWriter(options);
    }

    /// <summary>What was written, as a new array.</summary>
    public byte[] ToArray()
    {
        Json.Flush();
        return _buffer.WrittenSpan.ToArray();
    }

    public void Return()
    {
        Json.Reset(_buffer);
        _buffer.ResetWrittenCount();
        Names.Clear();
        if (_buffer.Capacity <= LargestKeptBuffer)
        {
            t_kept = this;
        }
    }
}

namespace Sagas.Persistence.Catalog;

/// <summary>
/// Orders saga ids as PostgreSQL orders <c>uuid</c> values (byte by byte, in the order the text form shows them), so every
/// catalog pages in the same order; time-ordered ids (version 7 UUIDs) come out oldest first.
/// </summary>
internal sealed class SagaIdOrder : IComparer<Guid>
{
    public static readonly SagaIdOrder Instance = new();

    public static int Compare(Guid x, Guid y)
    {
        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        x.TryWriteBytes(a, bigEndian: true, out _);
        y.TryWriteBytes(b, bigEndian: true, out _);
        return a.SequenceCompareTo(b);
    }

    int IComparer<Guid>.Compare(Guid x, Guid y) => Compare(x, y);
}

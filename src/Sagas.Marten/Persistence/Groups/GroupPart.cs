using Npgsql;

namespace Sagas.Marten.Persistence.Groups;

/// <summary>
/// One caller's share of a group: a single statement whose effects depend on nothing but its own rows (a conflict or a
/// duplicate shows as the rows it returns, never as an error that would abort its companions), and the reading of its result.
/// </summary>
/// <typeparam name="TResult">What the caller gets back.</typeparam>
internal abstract class GroupPart<TResult> : IGroupPart
{
    private readonly TaskCompletionSource<TResult> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the group holding this part has committed (or failed).</summary>
    public Task<TResult> Result => _result.Task;

    /// <summary>The part's statement; a new one on every call, since a failed group is retried part by part.</summary>
    public abstract NpgsqlBatchCommand CreateCommand();

    /// <summary>Reads the statement's result set, positioned before its first row.</summary>
    protected abstract ValueTask<TResult> ReadAsync(NpgsqlDataReader reader);

    async ValueTask IGroupPart.ReadAsync(NpgsqlDataReader reader)
        => _pending = await ReadAsync(reader).ConfigureAwait(false);

    // Held until the group's transaction has committed: a result read before the commit is not yet true.
    private TResult? _pending;

    void IGroupPart.Complete() => _result.TrySetResult(_pending!);

    void IGroupPart.Fail(Exception exception) => _result.TrySetException(exception);
}

/// <summary>A <see cref="GroupPart{TResult}"/> as the group sees it.</summary>
internal interface IGroupPart
{
    NpgsqlBatchCommand CreateCommand();

    ValueTask ReadAsync(NpgsqlDataReader reader);

    void Complete();

    void Fail(Exception exception);
}

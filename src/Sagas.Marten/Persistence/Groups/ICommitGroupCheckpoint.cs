namespace Sagas.Marten.Persistence.Groups;

/// <summary>
/// Observes a commit group at the point where a crash matters: its statements executed, its commit not yet acknowledged.
/// Crash tests stop the process there; production registers none.
/// </summary>
internal interface ICommitGroupCheckpoint
{
    ValueTask ExecutedAsync(int parts);
}

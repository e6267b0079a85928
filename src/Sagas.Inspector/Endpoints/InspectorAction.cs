namespace Sagas.Inspector.Endpoints;

/// <summary>The body of an action: why it is taken.</summary>
/// <param name="Note">Why, kept in the saga's history with who asked.</param>
internal sealed record InspectorAction(string? Note);

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sagas.DeadLetters;

namespace Sagas.Inspector.Endpoints;

/// <summary>The dead letters: listed and shown to readers, redelivered or discarded by operators.</summary>
internal static class DeadLetterEndpoints
{
    public static void Map(RouteGroupBuilder read, RouteGroupBuilder act)
    {
        read.MapGet("/api/dead-letters", async (IDeadLetterStore store, bool? all, Guid? after, int? limit, CancellationToken cancellationToken) =>
        {
            var query = new DeadLetterQuery { IncludeResolved = all ?? false, After = after, Limit = limit ?? 50 };
            if (DeadLetterQuery.Problem(query) is { } problem)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [problem] });
            }

            var page = await store.ListAsync(query, cancellationToken).ConfigureAwait(false);
            return Results.Ok(new { items = page.Items.Select(View), next = page.Next });
        });
        read.MapGet("/api/dead-letters/{id:guid}", async (IDeadLetterStore store, Guid id, CancellationToken cancellationToken)
            => await store.FindAsync(id, cancellationToken).ConfigureAwait(false) is { } deadLetter ? Results.Ok(View(deadLetter)) : NotFound(id));

        act.MapPost("/api/dead-letters/{id:guid}/redeliver", (HttpContext context, Guid id, InspectorAction body, CancellationToken cancellationToken)
            => ResolveAsync(context, id, body, DeadLetterAction.Redelivered, cancellationToken));
        act.MapPost("/api/dead-letters/{id:guid}/discard", (HttpContext context, Guid id, InspectorAction body, CancellationToken cancellationToken)
            => ResolveAsync(context, id, body, DeadLetterAction.Discarded, cancellationToken));
    }

    private static async Task<IResult> ResolveAsync(HttpContext context, Guid id, InspectorAction body, DeadLetterAction action, CancellationToken cancellationToken)
    {
        // The dead letter's id is the idempotency key: a second redelivery of one dead letter sends nothing.
        if (await ActionChecks.ProblemAsync(context, body, needsKey: false).ConfigureAwait(false) is { } problem)
        {
            return problem;
        }

        var resolver = context.RequestServices.GetRequiredService<IDeadLetterResolver>();
        var note = ActionChecks.Note(context, body);
        var outcome = action == DeadLetterAction.Redelivered
            ? await resolver.RedeliverAsync(id, note, cancellationToken).ConfigureAwait(false)
            : await resolver.DiscardAsync(id, note, cancellationToken).ConfigureAwait(false);
        switch (outcome)
        {
            case DeadLetterOutcome.Resolved:
                return Results.Accepted(value: new { id, action = action.ToString() });
            case DeadLetterOutcome.AlreadyResolved:
                var earlier = (await context.RequestServices.GetRequiredService<IDeadLetterStore>().FindAsync(id, cancellationToken).ConfigureAwait(false))?.Resolution;
                return Results.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: "Dead letter already resolved",
                    detail: earlier is null ? $"Dead letter {id} was resolved before." : $"Dead letter {id} was {earlier.Action.ToString().ToLowerInvariant()} at {earlier.At:O} ({earlier.Note}); nothing more was done.");
            default:
                return NotFound(id);
        }
    }

    private static IResult NotFound(Guid id)
        => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such dead letter", detail: $"No dead letter has the id {id}.");

    private static object View(DeadLetter d) => new
    {
        id = d.Id,
        at = d.At,
        endpoint = d.Endpoint,
        queue = d.Queue,
        eventId = d.EventId,
        eventType = d.EventType,
        source = d.Source,
        reasons = d.Reasons,
        contentType = d.ContentType,
        body = d.Body,
        resolution = d.Resolution is { } r ? new { action = r.Action.ToString(), at = r.At, note = r.Note } : null,
    };
}

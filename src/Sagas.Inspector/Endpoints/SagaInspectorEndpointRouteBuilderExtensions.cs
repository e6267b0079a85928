using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sagas.Inspector.Endpoints;
using Sagas.Inspector.Inspection;
using Sagas.Outbox;
using Sagas.Persistence.Catalog;
using Sagas.Steps;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the saga inspector.</summary>
public static class SagaInspectorEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the saga inspector under <paramref name="prefix"/>: the page (<c>{prefix}/</c>) and its JSON API
    /// (<c>{prefix}/api/...</c>). Every GET requires <see cref="Sagas.Inspector.SagaInspectorOptions.ReadPolicy"/>, every
    /// action <see cref="Sagas.Inspector.SagaInspectorOptions.ActionPolicy"/>, an anti-forgery token
    /// (<c>GET {prefix}/api/antiforgery</c>), a note and an <c>Idempotency-Key</c> header; an action is an event published
    /// through the outbox and recorded in the saga's history with who asked and why.
    /// </summary>
    public static RouteGroupBuilder MapSagaInspector(this IEndpointRouteBuilder app, string prefix = "/sagas")
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        var options = app.ServiceProvider.GetRequiredService<IOptions<Sagas.Inspector.SagaInspectorOptions>>().Value;
        var sagas = app.ServiceProvider.GetRequiredService<InspectedSagas>().ByName;
        var group = app.MapGroup(prefix);

        var read = group.MapGroup(string.Empty).RequireAuthorization(options.ReadPolicy!);
        read.MapGet("/", context => InspectorPage.Serve(context, "index.html").ExecuteAsync(context));
        read.MapGet("/inspector.js", context => InspectorPage.Serve(context, "inspector.js").ExecuteAsync(context));
        read.MapGet("/inspector.css", context => InspectorPage.Serve(context, "inspector.css").ExecuteAsync(context));
        read.MapGet("/api/antiforgery", (HttpContext context, IAntiforgery antiforgery) =>
        {
            var tokens = antiforgery.GetAndStoreTokens(context);
            return Results.Ok(new { headerName = tokens.HeaderName, token = tokens.RequestToken });
        });
        var counted = app.ServiceProvider.GetRequiredService<SagaCountCache>();
        read.MapGet("/api/types", async (HttpContext context, CancellationToken cancellationToken) =>
        {
            var types = new List<object>(sagas.Count);
            foreach (var saga in sagas.Values)
            {
                var (counts, at) = await counted.GetAsync(saga, cancellationToken).ConfigureAwait(false);
                types.Add(new { type = saga.Name, counts = counts.ByState, oldestRunning = counts.OldestRunning, countedAt = at });
            }

            return Results.Ok(new { types });
        });
        read.MapGet("/api/types/{type}/sagas", async (HttpContext context, string type, string? state, string? step, DateTimeOffset? startedBefore, Guid? after, int? limit, CancellationToken cancellationToken) =>
        {
            if (!sagas.TryGetValue(type, out var saga))
            {
                return UnknownType(type, sagas.Keys);
            }

            var query = new SagaQuery { State = state, Step = step, StartedBefore = startedBefore, After = after, Limit = limit ?? 50 };
            if (SagaCatalogQueries.Problem(query) is { } problem)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [problem] });
            }

            return Results.Ok(await saga.ListAsync(context.RequestServices, query, cancellationToken).ConfigureAwait(false));
        });
        read.MapGet("/api/types/{type}/sagas/{id:guid}", async (HttpContext context, string type, Guid id, CancellationToken cancellationToken) =>
        {
            if (!sagas.TryGetValue(type, out var saga))
            {
                return UnknownType(type, sagas.Keys);
            }

            var detail = await saga.LoadAsync(context.RequestServices, id, cancellationToken).ConfigureAwait(false);
            return detail is null
                ? Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such saga", detail: $"No {type} saga has the id {id}.")
                : Results.Ok(new { saga = detail, diagram = saga.Diagram, traceUrl = options.TraceUrl(detail.TraceId) });
        });

        var act = group.MapGroup("/api/types/{type}/sagas/{id:guid}").RequireAuthorization(options.ActionPolicy!);
        act.MapPost("/resume", (HttpContext context, string type, Guid id, InspectorAction body, CancellationToken cancellationToken)
            => ActAsync(context, sagas, type, id, null, body, static (id, _, note) => new ResumeSaga(id, note), cancellationToken));
        act.MapPost("/compensate", (HttpContext context, string type, Guid id, InspectorAction body, CancellationToken cancellationToken)
            => ActAsync(context, sagas, type, id, null, body, static (id, _, note) => new CompensateSaga(id, note), cancellationToken));
        act.MapPost("/steps/{step}/retry", (HttpContext context, string type, Guid id, string step, InspectorAction body, CancellationToken cancellationToken)
            => ActAsync(context, sagas, type, id, step, body, static (id, step, note) => new RetryStepNow(id, step!, note), cancellationToken));
        DeadLetterEndpoints.Map(read, group.MapGroup(string.Empty).RequireAuthorization(options.ActionPolicy!));
        return group;
    }

    private static async Task<IResult> ActAsync<TMessage>(
        HttpContext context,
        IReadOnlyDictionary<string, InspectedSaga> sagas,
        string type,
        Guid id,
        string? step,
        InspectorAction body,
        Func<Guid, string?, string, TMessage> create,
        CancellationToken cancellationToken)
        where TMessage : class
    {
        if (await ActionChecks.ProblemAsync(context, body, needsKey: true).ConfigureAwait(false) is { } problem)
        {
            return problem;
        }

        if (!sagas.TryGetValue(type, out var saga))
        {
            return UnknownType(type, sagas.Keys);
        }

        if (await saga.LoadAsync(context.RequestServices, id, cancellationToken).ConfigureAwait(false) is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such saga", detail: $"No {type} saga has the id {id}.");
        }

        var key = context.Request.Headers["Idempotency-Key"].ToString();
        var message = create(id, step, ActionChecks.Note(context, body));
        var publisher = context.RequestServices.GetRequiredService<IOutboxPublisher>();
        var published = await publisher.PublishAsync(message, $"inspector:{id}:{key}", cancellationToken).ConfigureAwait(false);
        return Results.Accepted(value: new { sagaId = id, action = typeof(TMessage).Name, step, duplicate = !published });
    }

    private static IResult UnknownType(string type, IEnumerable<string> known)
        => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such saga type", detail: $"The inspector shows no saga type '{type}'; it shows {string.Join(", ", known)}.");
}

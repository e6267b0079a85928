using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Sagas.Inspector.Endpoints;

/// <summary>What every action needs before it is taken: a valid anti-forgery token, a note and, where asked, an idempotency key.</summary>
internal static class ActionChecks
{
    /// <summary>The problem to answer with, or <see langword="null"/> when the action may go ahead.</summary>
    public static async Task<IResult?> ProblemAsync(HttpContext context, InspectorAction body, bool needsKey)
    {
        try
        {
            await context.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(context).ConfigureAwait(false);
        }
        catch (AntiforgeryValidationException)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Anti-forgery token missing or invalid", detail: "Send the token of GET api/antiforgery in its header, with its cookie.");
        }

        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body.Note))
        {
            errors["note"] = ["A note is required: say why, it is kept with what was done."];
        }

        var key = context.Request.Headers["Idempotency-Key"].ToString();
        if (needsKey && (string.IsNullOrWhiteSpace(key) || key.Length > 200))
        {
            errors["Idempotency-Key"] = ["The Idempotency-Key header is required (up to 200 characters): the same key again publishes nothing twice."];
        }

        return errors.Count > 0 ? Results.ValidationProblem(errors, title: "The action is not valid") : null;
    }

    /// <summary>The note as recorded: <c>who: why</c>.</summary>
    public static string Note(HttpContext context, InspectorAction body)
        => $"{context.User.Identity?.Name ?? "unnamed user"}: {body.Note!.Trim()}";
}

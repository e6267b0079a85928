using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Checkout.Api.Inspector;

/// <summary>
/// The sample's simple sign-in for the saga inspector: a key from configuration (<c>Inspector:ReaderKey</c> to look,
/// <c>Inspector:OperatorKey</c> to act too) exchanged for an HTTP-only, same-site cookie. With no key configured nobody
/// signs in. A real deployment replaces this with its identity provider (OpenID Connect cookies, say) and keeps the two
/// policies: see docs/inspector.md.
/// </summary>
public static class InspectorLogin
{
    /// <summary>Looks at sagas.</summary>
    public const string ReadPolicy = "sagas-read";

    /// <summary>Resumes, compensates and retries them.</summary>
    public const string ActionPolicy = "sagas-operate";

    private const string OperatorRole = "operator";

    /// <summary>Adds cookie authentication and the two policies.</summary>
    public static IServiceCollection AddInspectorLogin(this IServiceCollection services)
    {
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(o =>
        {
            o.LoginPath = "/login";
            o.Cookie.Name = "checkout-inspector";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            // The page is sent to the sign-in form; its API answers with status codes, as an API does.
            o.Events.OnRedirectToLogin = context => Answer(context, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = context => Answer(context, StatusCodes.Status403Forbidden);
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(ReadPolicy, p => p.RequireAuthenticatedUser())
            .AddPolicy(ActionPolicy, p => p.RequireRole(OperatorRole));
        return services;
    }

    /// <summary>Maps <c>GET /login</c> (the form) and <c>POST /login</c> (key in, cookie out, back to the inspector).</summary>
    public static IEndpointRouteBuilder MapInspectorLogin(this IEndpointRouteBuilder app)
    {
        app.MapGet("/login", (HttpContext context, IAntiforgery antiforgery) =>
        {
            var tokens = antiforgery.GetAndStoreTokens(context);
            context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; form-action 'self'; frame-ancestors 'none'";
            return Results.Content(
                $"""
                <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in to the saga inspector</title></head>
                <body><h1>Saga inspector</h1>
                <form method="post" action="/login">
                <input type="hidden" name="{tokens.FormFieldName}" value="{tokens.RequestToken}">
                <label>Key <input name="key" type="password" autocomplete="current-password" required></label>
                <button type="submit">Sign in</button></form></body></html>
                """,
                "text/html; charset=utf-8");
        });
        app.MapPost("/login", async (HttpContext context, IAntiforgery antiforgery, IConfiguration configuration) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Anti-forgery token missing or invalid", detail: "Sign in from the form of GET /login.");
            }

            var form = await context.Request.ReadFormAsync();
            var key = form["key"].ToString();
            var role = Matches(key, configuration["Inspector:OperatorKey"]) ? OperatorRole
                : Matches(key, configuration["Inspector:ReaderKey"]) ? "reader"
                : null;
            if (role is null)
            {
                return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Wrong key", detail: "The key is neither Inspector:ReaderKey nor Inspector:OperatorKey (or neither is configured).");
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, role), new Claim(ClaimTypes.Role, role)], CookieAuthenticationDefaults.AuthenticationScheme);
            await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
            return Results.Redirect("/sagas/");
        }).DisableAntiforgery(); // validated above, with the form's own token
        return app;
    }

    private static Task Answer(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/sagas/api", StringComparison.Ordinal) || status == StatusCodes.Status403Forbidden)
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }

        return Task.CompletedTask;
    }

    private static bool Matches(string given, string? configured)
        => !string.IsNullOrEmpty(configured) && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(configured));
}

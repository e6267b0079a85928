using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;

namespace Sagas.Inspector.Endpoints;

/// <summary>The page's files, embedded in the assembly and served with a strict content security policy.</summary>
internal static class InspectorPage
{
    /// <summary>Scripts, styles and data only from this origin; no framing, no inline script, no plug-ins.</summary>
    public const string ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, (byte[] Body, string ContentType)> Files = new[]
    {
        ("index.html", "text/html; charset=utf-8"),
        ("inspector.js", "text/javascript; charset=utf-8"),
        ("inspector.css", "text/css; charset=utf-8"),
    }.ToFrozenDictionary(f => f.Item1, f => (Read(f.Item1), f.Item2), StringComparer.Ordinal);

    public static IResult Serve(HttpContext context, string file)
    {
        var (body, contentType) = Files[file];
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        return Results.Bytes(body, contentType);
    }

    private static byte[] Read(string file)
    {
        using var stream = typeof(InspectorPage).Assembly.GetManifestResourceStream("Sagas.Inspector.Page." + file)
            ?? throw new InvalidOperationException($"The inspector page file {file} is not embedded in {typeof(InspectorPage).Assembly.GetName().Name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

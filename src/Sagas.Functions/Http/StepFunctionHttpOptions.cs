using Microsoft.Extensions.Options;

namespace Sagas.Functions.Http;

/// <summary>Options of the HTTP CloudEvents host (<c>MapStepFunctions</c>), validated at start.</summary>
/// <remarks>Bind them from configuration with <c>services.Configure&lt;StepFunctionHttpOptions&gt;(configuration.GetSection("..."))</c>,
/// so the signature secret can come from a secret store rather than code.</remarks>
public sealed class StepFunctionHttpOptions
{
    /// <summary>The largest request body accepted, in bytes; a larger request is answered 413. Default 1 MiB (1,048,576).</summary>
    public int MaxRequestBodySize { get; set; } = 1024 * 1024;

    /// <summary>
    /// The shared secret for request signatures. When set, every POST must carry
    /// <see cref="SignatureHeaderName"/>: <c>sha256=</c> + the lower- or upper-case hex HMAC-SHA256 of the raw request
    /// body keyed with the secret's UTF-8 bytes (see <see cref="StepFunctionSignature"/>); unsigned or tampered requests
    /// are answered 401. In binary mode the signature covers the body only, not the <c>ce-*</c> headers: send
    /// structured mode when the attributes must be covered too. Default <see langword="null"/>: no signature check.
    /// At least 16 characters when set.
    /// </summary>
    public string? SignatureSecret { get; set; }

    /// <summary>The request header carrying the signature. Default <c>X-Sagas-Signature</c>.</summary>
    public string SignatureHeaderName { get; set; } = StepFunctionSignature.DefaultHeaderName;

    /// <summary>
    /// The origins (<c>WebHook-Request-Origin</c> values, e.g. <c>eventgrid.azure.net</c>) granted permission in the
    /// CloudEvents webhook validation handshake; <c>*</c> grants every origin. Compared case-insensitively.
    /// Default <c>["*"]</c>.
    /// </summary>
    public string[] AllowedOrigins { get; set; } = ["*"];

    /// <summary>
    /// The request rate granted in the handshake (<c>WebHook-Allowed-Rate</c>), in requests per minute;
    /// <see langword="null"/> answers <c>*</c> (no limit). This host does not enforce it. Default <see langword="null"/>.
    /// </summary>
    public int? AllowedRate { get; set; }
}

/// <summary>Validates <see cref="StepFunctionHttpOptions"/> with messages that name the setting.</summary>
internal sealed class StepFunctionHttpOptionsValidator : IValidateOptions<StepFunctionHttpOptions>
{
    private const string Name = nameof(StepFunctionHttpOptions);

    public ValidateOptionsResult Validate(string? name, StepFunctionHttpOptions options)
    {
        var failures = new List<string>();
        if (options.MaxRequestBodySize <= 0)
        {
            failures.Add($"{Name}.{nameof(options.MaxRequestBodySize)} must be positive, got {options.MaxRequestBodySize}.");
        }

        if (options.SignatureSecret is { } secret && (secret.Length < 16 || string.IsNullOrWhiteSpace(secret)))
        {
            failures.Add($"{Name}.{nameof(options.SignatureSecret)} must be at least 16 characters when set (or null to turn signatures off).");
        }

        if (string.IsNullOrEmpty(options.SignatureHeaderName) || !options.SignatureHeaderName.All(IsTokenChar))
        {
            failures.Add($"{Name}.{nameof(options.SignatureHeaderName)} must be an HTTP header name, got '{options.SignatureHeaderName}'.");
        }

        if (options.AllowedOrigins is null || options.AllowedOrigins.Length == 0)
        {
            failures.Add($"{Name}.{nameof(options.AllowedOrigins)} must list at least one origin, or \"*\".");
        }
        else if (options.AllowedOrigins.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add($"{Name}.{nameof(options.AllowedOrigins)} must not contain empty entries.");
        }

        if (options.AllowedRate is <= 0)
        {
            failures.Add($"{Name}.{nameof(options.AllowedRate)} must be a positive number of requests per minute, or null for no limit; got {options.AllowedRate}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // RFC 9110 token characters.
    private static bool IsTokenChar(char c)
        => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
            or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
}

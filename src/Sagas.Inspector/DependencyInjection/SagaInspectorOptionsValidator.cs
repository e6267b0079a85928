using Microsoft.Extensions.Options;

namespace Sagas.Inspector;

/// <summary>Names every missing setting of <see cref="SagaInspectorOptions"/> when the application starts.</summary>
internal sealed class SagaInspectorOptionsValidator : IValidateOptions<SagaInspectorOptions>
{
    public ValidateOptionsResult Validate(string? name, SagaInspectorOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ReadPolicy))
        {
            failures.Add("SagaInspectorOptions.ReadPolicy is required: name the authorization policy of who may see sagas (the inspector is never anonymous).");
        }

        if (string.IsNullOrWhiteSpace(options.ActionPolicy))
        {
            failures.Add("SagaInspectorOptions.ActionPolicy is required: name the authorization policy of who may resume, compensate or retry sagas.");
        }

        if (options.MetricsInterval < TimeSpan.Zero)
        {
            failures.Add($"SagaInspectorOptions.MetricsInterval must be zero (no metrics) or positive, not {options.MetricsInterval}.");
        }

        if (options.CountsMaxAge < TimeSpan.Zero)
        {
            failures.Add($"SagaInspectorOptions.CountsMaxAge must be zero (read for every request) or positive, not {options.CountsMaxAge}.");
        }

        if (options.TraceUrlTemplate is { } template
            && (!template.Contains(SagaInspectorOptions.TraceIdPlaceholder, StringComparison.Ordinal)
                || !Uri.TryCreate(options.TraceUrl("0af7651916cd43dd8448eb211c80319c"), UriKind.Absolute, out var example)
                || (example.Scheme != Uri.UriSchemeHttps && example.Scheme != Uri.UriSchemeHttp)))
        {
            failures.Add($"SagaInspectorOptions.TraceUrlTemplate must be an absolute http(s) URL with {SagaInspectorOptions.TraceIdPlaceholder} where the trace id goes, not '{template}'.");
        }

        if (options.Sagas.Count == 0)
        {
            failures.Add("SagaInspectorOptions shows no saga: call AddSaga<TMachine, TState>() for each saga to inspect.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

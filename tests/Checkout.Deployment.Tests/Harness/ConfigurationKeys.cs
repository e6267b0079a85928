namespace Checkout.Deployment.Tests.Harness;

/// <summary>
/// Decides whether an environment variable set by a manifest is read by the code it configures, the way .NET's
/// environment-variable configuration provider maps it: <c>A__B</c> is the key <c>A:B</c>.
/// </summary>
internal static class ConfigurationKeys
{
    /// <summary>
    /// <see langword="null"/> when <paramref name="variable"/> is read by <paramref name="sources"/>, else why not. Read means:
    /// an <c>OTEL_*</c> variable (read by the OpenTelemetry SDK, standard names); <c>ConnectionStrings__X</c> with
    /// <c>GetConnectionString("X")</c> (the literal <c>"X"</c>) or the key literal; a key whose literal appears (e.g.
    /// <c>configuration["Checkout:FunctionsUrl"]</c>); or a section name literal (<c>GetSection("Checkout")</c>, a
    /// <c>SectionName</c> constant) followed by properties the sources declare (<c>Checkout__Smtp__Host</c>: an options
    /// class with <c>Smtp</c>, whose type has <c>Host</c>). A variable without <c>__</c> must appear as a literal.
    /// </summary>
    public static string? WhyNotRead(string variable, ProjectSources sources)
    {
        if (variable.StartsWith("OTEL_", StringComparison.Ordinal))
        {
            return null;
        }

        var key = variable.Replace("__", ":", StringComparison.Ordinal);
        if (sources.Literals.Contains(key))
        {
            return null;
        }

        var segments = key.Split(':');
        if (segments.Length == 1)
        {
            return $"no string literal \"{variable}\" in {sources.Describe()}";
        }

        if (segments[0].Equals("ConnectionStrings", StringComparison.OrdinalIgnoreCase))
        {
            var name = string.Join(':', segments[1..]);
            return sources.Literals.Contains(name)
                ? null
                : $"configuration key {key}: no GetConnectionString(\"{name}\") (no literal \"{name}\") in {sources.Describe()}";
        }

        // The longest prefix that is a section name literal, then every further segment a declared property.
        for (var split = segments.Length - 1; split >= 1; split--)
        {
            var section = string.Join(':', segments[..split]);
            if (sources.Literals.Contains(section) && segments[split..].All(sources.Properties.Contains))
            {
                return null;
            }
        }

        var missing = segments[1..].Where(s => !sources.Properties.Contains(s)).ToList();
        return $"configuration key {key}: no literal \"{key}\", and no section literal \"{segments[0]}\" with declared properties " +
            $"{string.Join('.', segments[1..])}{(missing.Count > 0 ? $" (no property {string.Join(", ", missing)})" : "")} in {sources.Describe()}";
    }
}

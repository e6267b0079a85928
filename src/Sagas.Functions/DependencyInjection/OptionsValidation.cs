using Microsoft.Extensions.Options;

namespace Sagas.Functions;

/// <summary>Validates options handed to a constructor (outside the options pipeline) with their registered validator.</summary>
internal static class OptionsValidation
{
    /// <summary>Throws an <see cref="OptionsValidationException"/> naming every failed setting.</summary>
    public static void ThrowIfInvalid<TOptions>(IValidateOptions<TOptions> validator, TOptions options)
        where TOptions : class
    {
        var validation = validator.Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(typeof(TOptions).Name, typeof(TOptions), validation.Failures);
        }
    }
}

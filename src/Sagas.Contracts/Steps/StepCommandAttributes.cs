using System.Globalization;
using CloudNative.CloudEvents;
using Sagas.CloudEvents;

namespace Sagas.Steps;

/// <summary>
/// The step wire contract: which saga, step, attempt and direction a step command is for. One reader, with one set of
/// rules and one wording of its errors, whether the command arrives as a CloudEvent (a function host) or as transport
/// headers (a container consumer); one writer for both.
/// </summary>
/// <remarks>
/// The saga id is the CloudEvents <c>subject</c> or <c>correlationid</c> (a non-empty UUID; both, when given, the same);
/// <c>sagastep</c> is the step's name (1 to <see cref="MaxStepLength"/> characters); <c>sagaattempt</c> an integer from 1
/// (a JSON number or its text); <c>sagacompensate</c> <c>true</c> or <c>false</c>, absent meaning <c>false</c>.
/// </remarks>
/// <param name="SagaId">The saga.</param>
/// <param name="Step">The step's name.</param>
/// <param name="Attempt">The attempt, from 1.</param>
/// <param name="Compensation">Whether the command undoes the step.</param>
public sealed record StepCommandAttributes(Guid SagaId, string Step, int Attempt, bool Compensation)
{
    /// <summary>The longest step name a command may carry.</summary>
    public const int MaxStepLength = 100;

    private static readonly string Subject = CloudEventsSpecVersion.V1_0.SubjectAttribute.Name;

    /// <summary>Reads the attributes of a CloudEvent; <see langword="null"/>, with every problem added to <paramref name="reasons"/>, when they are not valid.</summary>
    public static StepCommandAttributes? Read(CloudEvent command, ICollection<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(command);
        return Read(name => name == Subject ? command.Subject : command[name], reasons);
    }

    /// <summary>
    /// Reads the attributes by name (<c>subject</c>, <c>correlationid</c>, <c>sagastep</c>, <c>sagaattempt</c>,
    /// <c>sagacompensate</c>), from wherever a transport keeps them; <see langword="null"/>, with every problem added to
    /// <paramref name="reasons"/>, when they are not valid.
    /// </summary>
    public static StepCommandAttributes? Read(Func<string, object?> attribute, ICollection<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(attribute);
        ArgumentNullException.ThrowIfNull(reasons);
        var before = reasons.Count;
        var sagaId = ReadSagaId(attribute(Subject) as string, attribute(SagaAttributes.CorrelationId.Name) as string, reasons);
        var step = ReadStep(attribute(SagaAttributes.Step.Name), reasons);
        var attempt = ReadAttempt(attribute(SagaAttributes.Attempt.Name), reasons);
        var compensation = ReadCompensation(attribute(SagaAttributes.Compensate.Name), reasons);
        return reasons.Count == before ? new StepCommandAttributes(sagaId, step!, attempt, compensation) : null;
    }

    /// <summary>The step attributes as CloudEvents extension values (<c>sagastep</c>, <c>sagaattempt</c>, <c>sagacompensate</c>), typed as <see cref="SagaAttributes"/> defines them.</summary>
    public IReadOnlyDictionary<string, object> ToExtensions() => new Dictionary<string, object>
    {
        [SagaAttributes.Step.Name] = Step,
        [SagaAttributes.Attempt.Name] = Attempt,
        [SagaAttributes.Compensate.Name] = Compensation,
    };

    /// <summary>The step attributes as text, for transport headers (the saga id travels as the message's correlation id).</summary>
    public IReadOnlyDictionary<string, string> ToHeaders() => new Dictionary<string, string>
    {
        [SagaAttributes.Step.Name] = Step,
        [SagaAttributes.Attempt.Name] = Attempt.ToString(CultureInfo.InvariantCulture),
        [SagaAttributes.Compensate.Name] = Compensation ? "true" : "false",
    };

    private static Guid ReadSagaId(string? subject, string? correlation, ICollection<string> reasons)
    {
        if (subject is null && correlation is null)
        {
            reasons.Add("a step command needs the saga id in 'subject' (or 'correlationid')");
            return Guid.Empty;
        }

        var fromSubject = subject is null ? null : ParseSagaId(Subject, subject, reasons);
        var fromCorrelation = correlation is null ? null : ParseSagaId(SagaAttributes.CorrelationId.Name, correlation, reasons);
        if (fromSubject is { } s && fromCorrelation is { } c && s != c)
        {
            reasons.Add($"'subject' ({subject}) and 'correlationid' ({correlation}) name different sagas");
        }

        return fromSubject ?? fromCorrelation ?? Guid.Empty;
    }

    private static Guid? ParseSagaId(string attribute, string value, ICollection<string> reasons)
    {
        if (Guid.TryParse(value, out var id) && id != Guid.Empty)
        {
            return id;
        }

        reasons.Add($"'{attribute}' must be the saga id, a non-empty UUID, got '{value}'");
        return null;
    }

    private static string? ReadStep(object? value, ICollection<string> reasons)
    {
        var name = SagaAttributes.Step.Name;
        switch (value)
        {
            case string { Length: > 0 and <= MaxStepLength } step:
                return step;
            case string { Length: > MaxStepLength }:
                reasons.Add($"'{name}' must be at most {MaxStepLength} characters");
                return null;
            default:
                reasons.Add($"a step command needs the '{name}' attribute (the name of the saga step)");
                return null;
        }
    }

    private static int ReadAttempt(object? value, ICollection<string> reasons)
    {
        var name = SagaAttributes.Attempt.Name;
        switch (value)
        {
            case int attempt when attempt >= 1:
                return attempt;
            case string text when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var attempt) && attempt >= 1:
                return attempt; // read without the extension's definition (a transport header), so it stayed text
            case null:
                reasons.Add($"a step command needs the '{name}' attribute (the attempt number, from 1)");
                return 0;
            case var other:
                reasons.Add($"'{name}' must be an integer of at least 1, got '{other}'");
                return 0;
        }
    }

    private static bool ReadCompensation(object? value, ICollection<string> reasons)
    {
        switch (value)
        {
            case null:
                return false; // absent: an execution, not a compensation
            case bool compensation:
                return compensation;
            case "true":
                return true;
            case "false":
                return false;
            case var other:
                reasons.Add($"'{SagaAttributes.Compensate.Name}' must be true or false, got '{other}'");
                return false;
        }
    }
}

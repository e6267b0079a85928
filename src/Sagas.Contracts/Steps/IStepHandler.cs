namespace Sagas.Steps;

/// <summary>
/// Executes one saga step (or one compensation): command in, result or business failure out.
/// The same handler runs in a container consumer, an Azure Function, an AWS Lambda or any HTTP
/// CloudEvents endpoint; where it runs is configuration.
/// </summary>
/// <remarks>
/// <para>Delivery is at least once: a handler may see the same command again after a crash or a redelivery,
/// and again on each retry. Use <see cref="StepContext.IdempotencyKey"/> to make side effects idempotent
/// (it is the same for every attempt of one step of one saga).</para>
/// <para>Return <see cref="StepOutcome.Fail(string)"/> for a business failure that retrying cannot fix
/// (declined card, out of stock). Throw for a transient failure (timeout, 503): the saga retries the step
/// with backoff within its budget.</para>
/// </remarks>
/// <typeparam name="TCommand">The step's command contract.</typeparam>
/// <typeparam name="TResult">The step's result; use <see cref="Done"/> when there is nothing to return.</typeparam>
public interface IStepHandler<in TCommand, TResult>
    where TCommand : class
{
    /// <summary>Executes the step.</summary>
    ValueTask<StepOutcome<TResult>> HandleAsync(TCommand command, StepContext context);
}

namespace Sagas.Functions.Queues;

/// <summary>How one queue service limits a message: its name in errors, its limit, and how it counts a body against it.</summary>
/// <param name="MessageName">How errors name a message of the service, e.g. "an SQS message".</param>
/// <param name="MaxMessageBytes">The largest message the service (or the options) allow, as the service counts.</param>
/// <param name="SizeOnQueue">The size a body of so many UTF-8 bytes has on the queue (Base64 grows it by a third).</param>
/// <param name="SizeNote">Says how the size was counted, after the figure in errors ("" or " once Base64-encoded").</param>
internal sealed record QueueMessageLimit(string MessageName, int MaxMessageBytes, Func<int, int> SizeOnQueue, string SizeNote = "");

namespace Sagas.Functions.Aws.Sqs;

/// <summary>Checks shared by the options validators; each message names the setting.</summary>
internal static class SqsOptionChecks
{
    public static void QueueUrl(List<string> failures, string setting, string? value, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                failures.Add($"{setting} is required: the URL of an SQS queue, e.g. https://sqs.us-east-1.amazonaws.com/123456789012/my-queue.");
            }

            return;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || uri.AbsolutePath.Trim('/').Length == 0)
        {
            failures.Add($"{setting} must be the absolute http(s) URL of an SQS queue (as CreateQueue / GetQueueUrl return it), got '{value}'.");
        }
    }

    public static void WholeSeconds(List<string> failures, string setting, TimeSpan value, TimeSpan max)
    {
        if (value < TimeSpan.Zero || value > max || value.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            failures.Add($"{setting} must be whole seconds from 0 to {max.TotalSeconds:0} (SQS limit), got {value}.");
        }
    }

    public static void MaxMessageBytes(List<string> failures, string setting, int value)
    {
        if (value is < 1024 or > 1024 * 1024)
        {
            failures.Add($"{setting} must be from 1024 to 1048576 bytes (the SQS range of MaximumMessageSize), got {value}.");
        }
    }
}

using Azure.Core;
using Azure.Storage.Queues;
using Sagas.Functions.ClaimCheck;
using Sagas.Functions.Queues;

namespace Sagas.Functions.Azure.Queues;

/// <summary>
/// Where the Azure Storage queues are: a connection string, or a queue service URI with a credential (managed identity).
/// Set exactly one of <see cref="ConnectionString"/> and <see cref="ServiceUri"/>.
/// </summary>
public abstract class StorageQueueConnectionOptions
{
    /// <summary>
    /// A storage account connection string, e.g. the function app's <c>AzureWebJobsStorage</c> setting, or for Azurite
    /// <c>UseDevelopmentStorage=true</c> / the <c>devstoreaccount1</c> string with a <c>QueueEndpoint</c>. Default <see langword="null"/>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>The queue service URI (<c>https://ACCOUNT.queue.core.windows.net</c>), used with <see cref="Credential"/>. Default <see langword="null"/>.</summary>
    public Uri? ServiceUri { get; set; }

    /// <summary>The credential for <see cref="ServiceUri"/> (for example a managed identity). Required with <see cref="ServiceUri"/>.</summary>
    public TokenCredential? Credential { get; set; }
}

/// <summary>Creates queue clients and checks the settings every Storage Queue option class shares.</summary>
internal static class StorageQueues
{
    /// <summary>The suffix the Functions host gives the poison queue of a queue: <c>&lt;queue&gt;-poison</c>.</summary>
    public const string PoisonSuffix = "-poison";

    /// <summary>A service client whose queue clients write and read Base64 messages, as an Azure Functions queue trigger expects.</summary>
    public static QueueServiceClient CreateServiceClient(StorageQueueConnectionOptions options)
    {
        var clientOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        return options.ConnectionString is { } connectionString
            ? new QueueServiceClient(connectionString, clientOptions)
            : new QueueServiceClient(options.ServiceUri!, options.Credential!, clientOptions);
    }

    public static string PoisonQueueName(string queueName) => queueName + PoisonSuffix;

    /// <summary>The size of a message of <paramref name="bytes"/> bytes once Base64-encoded, which is what the 64 KiB limit counts.</summary>
    public static int EncodedSize(int bytes) => (bytes + 2) / 3 * 4;

    /// <summary>CloudEvents in Storage Queue messages: UTF-8 JSON text, Base64-encoded by the queue client, counted after encoding.</summary>
    public static QueueCloudEvents CloudEvents(IClaimCheckStore? claimChecks, int maxMessageBytes)
        => new(claimChecks, new QueueMessageLimit("a Storage Queue message", maxMessageBytes, EncodedSize, " once Base64-encoded"));

    public static void CheckConnection(List<string> failures, string prefix, StorageQueueConnectionOptions options)
    {
        var hasConnectionString = !string.IsNullOrWhiteSpace(options.ConnectionString);
        if (hasConnectionString == (options.ServiceUri is not null))
        {
            failures.Add($"{prefix}.{nameof(options.ConnectionString)} or {prefix}.{nameof(options.ServiceUri)} must be set, not both (e.g. ConnectionString from the AzureWebJobsStorage setting).");
        }

        if (options.ServiceUri is { } uri && (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)))
        {
            failures.Add($"{prefix}.{nameof(options.ServiceUri)} must be an absolute http(s) URI such as https://ACCOUNT.queue.core.windows.net, got '{uri}'.");
        }

        if (options.ServiceUri is not null && options.Credential is null)
        {
            failures.Add($"{prefix}.{nameof(options.Credential)} must be set with {prefix}.{nameof(options.ServiceUri)} (e.g. a managed identity credential).");
        }
    }

    /// <summary>
    /// Azure's queue name rule: 3 to 63 characters, lower-case letters, digits and single hyphens, starting and ending
    /// with a letter or digit. With <paramref name="poison"/>, the name must leave room for <c>-poison</c>.
    /// </summary>
    public static void CheckQueueName(List<string> failures, string setting, string? name, bool poison)
    {
        if (string.IsNullOrEmpty(name))
        {
            failures.Add($"{setting} must be set to a queue name.");
            return;
        }

        if (!IsValidQueueName(name) || (poison && !IsValidQueueName(PoisonQueueName(name))))
        {
            var room = poison ? $" (at most {63 - PoisonSuffix.Length} characters, so that '{PoisonSuffix}' can be added for the poison queue)" : string.Empty;
            failures.Add($"{setting} must be an Azure queue name: 3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit{room}; got '{name}'.");
        }
    }

    public static bool IsValidQueueName(string name)
        => name.Length is >= 3 and <= 63
            && (char.IsAsciiLetterLower(name[0]) || char.IsAsciiDigit(name[0]))
            && (char.IsAsciiLetterLower(name[^1]) || char.IsAsciiDigit(name[^1]))
            && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            && !name.Contains("--", StringComparison.Ordinal);

    public static void CheckMaxMessageBytes(List<string> failures, string setting, int value)
    {
        if (value is < 1024 or > ClaimCheck.PayloadLimits.AzureStorageQueueMessage)
        {
            failures.Add($"{setting} must be from 1024 to {ClaimCheck.PayloadLimits.AzureStorageQueueMessage} bytes (the Azure Storage Queue limit, counted after Base64 encoding), got {value}.");
        }
    }
}

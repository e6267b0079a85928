using System.Collections;
using System.Diagnostics.CodeAnalysis;
using MassTransit;
using MassTransit.Serialization;

namespace Sagas.Serialization;

/// <summary>
/// The headers of an incoming CloudEvent: a handful of attributes, looked up by name without regard to case (as
/// MassTransit's header dictionaries are) and converted on read as MassTransit converts header values.
/// </summary>
internal sealed class EventHeaders(List<KeyValuePair<string, object>> headers) : Headers
{
    private static readonly SystemTextJsonMessageSerializer Values = SystemTextJsonMessageSerializer.Instance;

    public IEnumerable<KeyValuePair<string, object>> GetAll() => headers;

    public bool TryGetHeader(string key, [NotNullWhen(true)] out object? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var (name, found) in headers)
        {
            if (string.Equals(name, key, StringComparison.OrdinalIgnoreCase))
            {
                value = found;
                return true;
            }
        }

        value = null;
        return false;
    }

    public T? Get<T>(string key, T? defaultValue = null)
        where T : class
        => !TryGetHeader(key, out var value) ? defaultValue : value as T ?? Values.DeserializeObject(value, defaultValue);

    public T? Get<T>(string key, T? defaultValue = null)
        where T : struct
        => TryGetHeader(key, out var value) ? Values.DeserializeObject(value, defaultValue) : defaultValue;

    public IEnumerator<HeaderValue> GetEnumerator() => headers.Select(h => new HeaderValue(h.Key, h.Value)).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

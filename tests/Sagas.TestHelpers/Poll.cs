using Xunit;

namespace Sagas.Testing;

/// <summary>Waits for what another thread or process brings about.</summary>
public static class Poll
{
    /// <summary>Returns once <paramref name="condition"/> holds; fails with <paramref name="failure"/> if it does not within 10 s.</summary>
    public static async Task UntilAsync(Func<bool> condition, Func<string>? failure = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure?.Invoke() ?? "The condition did not hold within 10 s.");
            await Task.Delay(10);
        }
    }
}

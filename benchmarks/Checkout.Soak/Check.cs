namespace Checkout.Soak;

/// <summary>One check of the soak, from the outside: passed or not, and what was seen.</summary>
internal sealed record Check(string Name, bool Passed, string Detail)
{
    public static Check Of(string name, bool passed, string detail) => new(name, passed, detail);
}

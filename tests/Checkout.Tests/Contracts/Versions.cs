using Sagas.Contracts;

namespace Checkout.Tests.Contracts.Versions.V1
{
    [CloudEventContract("com.example.pricing.price-quoted", 1)]
    public sealed record PriceQuoted(string Sku, decimal Amount, string Currency);
}

namespace Checkout.Tests.Contracts.Versions.V1Changed
{
    /// <summary>The same v1 contract after someone dropped a member without bumping the version.</summary>
    [CloudEventContract("com.example.pricing.price-quoted", 1)]
    public sealed record PriceQuoted(string Sku, decimal Amount);
}

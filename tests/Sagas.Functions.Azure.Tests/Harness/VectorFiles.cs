using System.Text;

namespace Sagas.Functions.Azure.Tests.Harness;

/// <summary>The test vectors copied into <c>Vectors/</c> (sources in <c>Vectors/SOURCES.md</c>), read from the output directory.</summary>
public static class VectorFiles
{
    public static string PathOf(string relativePath)
    {
        var path = Path.Combine([AppContext.BaseDirectory, "Vectors", .. relativePath.Split('/')]);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"Test vector '{relativePath}' is not in the output directory; is it listed as Content in the test project?", path);
    }

    public static byte[] ReadBytes(string relativePath) => File.ReadAllBytes(PathOf(relativePath));

    public static string ReadText(string relativePath) => File.ReadAllText(PathOf(relativePath), Encoding.UTF8);
}

using System.Text;

namespace Sagas.Functions.Aws.Tests.Harness;

/// <summary>
/// The test vectors copied into <c>Vectors/</c> (sources in <c>Vectors/SOURCES.md</c>), read from the output
/// directory so the tests never depend on the shared folder beside the clone.
/// </summary>
public static class VectorFiles
{
    public static string PathOf(string fileName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Vectors", fileName);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"Test vector '{fileName}' is not in the output directory; is it listed as Content in the test project?", path);
    }

    public static Stream Open(string fileName) => File.OpenRead(PathOf(fileName));

    public static string ReadText(string fileName) => File.ReadAllText(PathOf(fileName), Encoding.UTF8);
}

using YamlDotNet.RepresentationModel;

namespace Checkout.Deployment.Tests.Harness;

/// <summary>One Kubernetes object of <c>deploy/kubernetes</c>: its file, kind and name.</summary>
internal sealed record Manifest(string File, string Kind, string Name, YamlNode Root)
{
    public string Where => $"{File}: {Kind} {Name}";

    /// <summary>Every object of the YAML files in <c>deploy/kubernetes</c> (the kustomization is not an object).</summary>
    public static IReadOnlyList<Manifest> All { get; } = LoadAll();

    public static IEnumerable<Manifest> OfKind(string kind) => All.Where(m => m.Kind == kind);

    private static List<Manifest> LoadAll()
    {
        var manifests = new List<Manifest>();
        foreach (var path in Directory.EnumerateFiles(Repository.PathOf("deploy", "kubernetes"), "*.yaml").Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(path) == "kustomization.yaml")
            {
                continue;
            }

            foreach (var document in Yaml.Load(path))
            {
                var root = document.RootNode;
                manifests.Add(new Manifest(Repository.Relative(path), root.Text("kind") ?? "", root.Text("metadata", "name") ?? "", root));
            }
        }

        return manifests;
    }
}

/// <summary>A container of a Deployment's pod template.</summary>
internal sealed record DeployedContainer(Manifest Deployment, YamlNode Node)
{
    public string Name => Node.Text("name") ?? "";

    public string Image => Node.Text("image") ?? "";

    /// <summary>The image name without tag or digest, e.g. <c>sagas/checkout-api</c>.</summary>
    public string ImageName
    {
        get
        {
            var image = Image.Split('@')[0];
            var slash = image.LastIndexOf('/');
            var colon = image.LastIndexOf(':');
            return colon > slash ? image[..colon] : image;
        }
    }

    public string Where => $"{Deployment.Where}, container {Name}";

    public YamlNode PodSpec => Deployment.Root.At("spec", "template", "spec")!;

    public static IEnumerable<DeployedContainer> All =>
        Manifest.OfKind("Deployment").SelectMany(d => d.Root.Items("spec", "template", "spec", "containers").Select(c => new DeployedContainer(d, c)));

    /// <summary>The container port a probe's or Service's <c>port</c> names (a number, or the name of a declared port).</summary>
    public int? PortOf(string? port)
    {
        if (int.TryParse(port, out var number))
        {
            return Node.Items("ports").Any(p => p.Text("containerPort") == port) ? number : null;
        }

        return Node.Items("ports").Where(p => p.Text("name") == port).Select(p => int.Parse(p.Text("containerPort")!, System.Globalization.CultureInfo.InvariantCulture)).Cast<int?>().FirstOrDefault();
    }
}

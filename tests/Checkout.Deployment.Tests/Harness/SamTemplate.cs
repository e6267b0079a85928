using YamlDotNet.RepresentationModel;

namespace Checkout.Deployment.Tests.Harness;

/// <summary>
/// deploy/aws/template.yaml with a small evaluator for the intrinsic functions it uses (<c>!Ref</c>, <c>!GetAtt</c>,
/// <c>!Sub</c>, <c>!If</c>, <c>!Not</c>, <c>!Equals</c>), resolving queue URLs and ARNs as CloudFormation would name them
/// in account 123456789012, us-east-1, for a stack named <c>checkout</c>.
/// </summary>
internal sealed class SamTemplate
{
    public const string FileName = "deploy/aws/template.yaml";
    private const string Region = "us-east-1";
    private const string Account = "123456789012";
    private const string StackName = "checkout";
    private readonly IReadOnlyDictionary<string, string> _parameters;

    public SamTemplate(IReadOnlyDictionary<string, string>? parameters = null)
    {
        Root = Yaml.Load(Repository.PathOf(FileName)).Single().RootNode;
        _parameters = parameters ?? new Dictionary<string, string>();
    }

    public YamlNode Root { get; }

    public IEnumerable<(string Id, YamlNode Node)> Resources(string type) =>
        Root.Entries("Resources").Where(r => r.Value.Text("Type") == type).Select(r => (r.Key, r.Value));

    public YamlNode? Resource(string id) => Root.At("Resources", id);

    /// <summary>The function's environment, resolved; variables that resolve to <c>AWS::NoValue</c> are left out.</summary>
    public IReadOnlyDictionary<string, string> Environment(YamlNode function)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in function.Entries("Properties", "Environment", "Variables"))
        {
            if (Resolve(value) is { } resolved)
            {
                variables[name] = resolved;
            }
        }

        return variables;
    }

    /// <summary>The logical id of the resource a <c>!Ref X</c> or <c>!GetAtt X.Attr</c> names, else <see langword="null"/>.</summary>
    public static string? ReferencedResource(YamlNode value) => value.ShortTag() switch
    {
        "Ref" => ((YamlScalarNode)value).Value,
        "GetAtt" => value is YamlScalarNode s ? s.Value!.Split('.')[0] : value.Items().First().Text(),
        _ => null,
    };

    /// <summary>The value CloudFormation would give; <see langword="null"/> for <c>AWS::NoValue</c>.</summary>
    public string? Resolve(YamlNode value)
    {
        switch (value.ShortTag())
        {
            case null:
                return ((YamlScalarNode)value).Value;
            case "Ref":
                return Ref(((YamlScalarNode)value).Value!);
            case "GetAtt":
            {
                var parts = value is YamlScalarNode s ? s.Value!.Split('.', 2) : [.. value.Items().Select(i => i.Text()!)];
                return GetAtt(parts[0], parts[1]);
            }

            case "Sub":
            {
                var text = ((YamlScalarNode)value).Value!;
                foreach (var name in System.Text.RegularExpressions.Regex.Matches(text, @"\$\{([^}]+)\}").Select(m => m.Groups[1].Value).Distinct())
                {
                    text = text.Replace("${" + name + "}", name.Contains('.', StringComparison.Ordinal) ? GetAtt(name.Split('.')[0], name.Split('.')[1]) : Ref(name), StringComparison.Ordinal);
                }

                return text;
            }

            case "If":
            {
                var args = value.Items().ToList();
                return Condition(args[0].Text()!) ? Resolve(args[1]) : Resolve(args[2]);
            }

            default:
                throw new NotSupportedException($"{FileName}: the test's evaluator does not know !{value.ShortTag()} (at {value.Start}).");
        }
    }

    private bool Condition(string name) => Evaluate(Root.At("Conditions", name) ?? throw new InvalidOperationException($"{FileName}: no condition {name}."));

    private bool Evaluate(YamlNode node) => node.ShortTag() switch
    {
        "Not" => !Evaluate(node.Items().Single()),
        "Equals" => Resolve(node.Items().First()) == Resolve(node.Items().Last()),
        "And" => node.Items().All(Evaluate),
        "Or" => node.Items().Any(Evaluate),
        "Condition" => Condition(((YamlScalarNode)node).Value!),
        _ => throw new NotSupportedException($"{FileName}: the test's evaluator does not know condition !{node.ShortTag()} (at {node.Start})."),
    };

    private string? Ref(string name)
    {
        switch (name)
        {
            case "AWS::NoValue": return null;
            case "AWS::StackName": return StackName;
            case "AWS::Region": return Region;
            case "AWS::AccountId": return Account;
        }

        if (Root.At("Parameters", name) is { } parameter)
        {
            return _parameters.TryGetValue(name, out var given) ? given
                : parameter.Text("Default") ?? throw new InvalidOperationException($"{FileName}: parameter {name} has no Default and the test gave no value.");
        }

        var resource = Resource(name) ?? throw new InvalidOperationException($"{FileName}: !Ref {name} names neither a parameter nor a resource.");
        return resource.Text("Type") == "AWS::SQS::Queue"
            ? $"https://sqs.{Region}.amazonaws.com/{Account}/{QueueName(name)}"
            : throw new NotSupportedException($"{FileName}: the test's evaluator resolves !Ref only to queues, not {resource.Text("Type")} {name}.");
    }

    private string GetAtt(string id, string attribute)
    {
        var resource = Resource(id) ?? throw new InvalidOperationException($"{FileName}: !GetAtt {id}.{attribute} names no resource.");
        return (resource.Text("Type"), attribute) switch
        {
            ("AWS::SQS::Queue", "Arn") => $"arn:aws:sqs:{Region}:{Account}:{QueueName(id)}",
            ("AWS::SQS::Queue", "QueueName") => QueueName(id),
            ("AWS::SQS::Queue", "QueueUrl") => Ref(id)!,
            ("AWS::Serverless::Function", "Arn") => $"arn:aws:lambda:{Region}:{Account}:function:{StackName}-{id}",
            _ => throw new NotSupportedException($"{FileName}: the test's evaluator does not resolve !GetAtt {id}.{attribute}."),
        };
    }

    // CloudFormation names an unnamed queue {stack}-{logical id}-{random}; a named one keeps its name.
    private string QueueName(string id) =>
        Resource(id)!.At("Properties", "QueueName") is { } name ? Resolve(name)! : $"{StackName}-{id}-ABCDEF123456";
}

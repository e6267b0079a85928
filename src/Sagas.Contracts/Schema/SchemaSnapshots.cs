using System.Text.Json.Nodes;
using Sagas.Contracts;

namespace Sagas.Schema;

/// <summary>
/// Keeps each contract's JSON Schema committed next to the code (<c>{directory}/{type}.json</c>) and finds
/// contracts that changed without a new version. Call it from a test so the build fails on an incompatible
/// change.
/// </summary>
public static class SchemaSnapshots
{
    /// <summary>
    /// Compares every contract's current schema with its committed one and returns one problem per contract
    /// that is missing, changed incompatibly (a breaking change needs a new contract version) or changed
    /// compatibly but was not re-committed. With <paramref name="update"/>, missing and compatibly changed
    /// schemas are written instead of reported; incompatible changes are always reported.
    /// </summary>
    public static IReadOnlyList<string> Check(IEnumerable<ContractDescriptor> contracts, string directory, bool update = false)
    {
        ArgumentNullException.ThrowIfNull(contracts);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var problems = new List<string>();
        foreach (var contract in contracts.OrderBy(c => c.EventType, StringComparer.Ordinal))
        {
            var path = Path.Combine(directory, contract.EventType + ".json");
            var current = ContractSchema.ToText(ContractSchema.Export(contract));
            if (!File.Exists(path))
            {
                if (update)
                {
                    Directory.CreateDirectory(directory);
                    File.WriteAllText(path, current);
                }
                else
                {
                    problems.Add($"{contract.EventType}: no committed schema at {path}; commit it (run the check with update: true).");
                }

                continue;
            }

            var committed = File.ReadAllText(path);
            if (committed.ReplaceLineEndings("\n") == current)
            {
                continue;
            }

            var breaking = SchemaCompatibility.FindBreakingChanges(JsonNode.Parse(committed), JsonNode.Parse(current));
            if (breaking.Count > 0)
            {
                problems.Add($"{contract.EventType} ({contract.ClrType.Name}) changed incompatibly without a new version: {string.Join("; ", breaking)}. Keep this version as it was and declare the change as version {contract.Version + 1}.");
            }
            else if (update)
            {
                File.WriteAllText(path, current);
            }
            else
            {
                problems.Add($"{contract.EventType}: compatible change; re-commit {path} (run the check with update: true).");
            }
        }

        return problems;
    }
}

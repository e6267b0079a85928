using System.Text.Json;
using System.Text.Json.Serialization;
using Sagas.Persistence;
using Sagas.Steps;
using Sagas.Tests.Onboarding;

namespace Sagas.Tests.Persistence;

public sealed class StateCopyTests
{
    [Fact]
    public void A_step_saga_state_of_plain_values_is_copied_field_by_field_to_what_a_json_copy_holds()
    {
        var state = Populated();

        var copy = StateCopy<OnboardingState>.Fields!(state);

        Assert.NotSame(state, copy);
        Assert.Equal(JsonSerializer.Serialize(state), JsonSerializer.Serialize(copy));
        Assert.Equal(JsonSerializer.Serialize(JsonSerializer.Deserialize<OnboardingState>(JsonSerializer.Serialize(state))), JsonSerializer.Serialize(copy));
    }

    [Fact]
    public void The_copy_shares_nothing_a_transition_changes()
    {
        var state = Populated();
        var copy = StateCopy<OnboardingState>.Fields!(state);
        var before = JsonSerializer.Serialize(copy);

        state.Points = 99;
        state.Email = "changed@example.com";
        state.CurrentState = "Faulted";
        state.Steps[0].Status = StepStatus.Failed;
        state.Steps[0].Attempt = 7;
        state.Steps.Add(new StepProgress { Name = "Extra" });
        state.CompensationLog.Add("SendWelcome");
        state.History.Add(new StepHistoryEntry(DateTimeOffset.UnixEpoch, "CreateAccount", StepHistoryKind.Faulted, 7, "boom"));

        Assert.Equal(before, JsonSerializer.Serialize(copy));
    }

    [Fact]
    public void Every_field_of_the_step_saga_state_and_its_progress_is_known_to_the_copy()
    {
        // A field added to StepSagaState or StepProgress that is not a plain value's property turns every state to JSON
        // copies; this says so instead of leaving the in-memory store slower without a word.
        Assert.NotNull(StateCopy<OnboardingState>.Fields);
    }

    [Fact]
    public void A_state_with_a_collection_of_its_own_is_copied_as_json()
        => Assert.Null(StateCopy<WithTags>.Fields);

    [Fact]
    public void A_state_with_an_ignored_property_is_copied_as_json()
        => Assert.Null(StateCopy<WithIgnored>.Fields);

    [Fact]
    public void A_state_with_a_field_of_its_own_behind_a_property_is_copied_as_json()
        => Assert.Null(StateCopy<WithExplicitField>.Fields);

    [Fact]
    public void A_state_that_is_not_a_step_saga_state_is_copied_as_json()
        => Assert.Null(StateCopy<PlainRecord>.Fields);

    private static OnboardingState Populated() => new()
    {
        CorrelationId = Guid.NewGuid(),
        Version = 3,
        CurrentState = "Executing",
        StartedAt = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.FromHours(1)).AddTicks(1234567),
        WakeAt = new DateTimeOffset(2026, 12, 7, 10, 0, 30, TimeSpan.Zero),
        CurrentStep = "SendWelcome",
        TraceId = "4bf92f3577b34da6a3ce929d0e0e4736",
        Email = "ada@example.com",
        Points = 5,
        Steps =
        [
            new StepProgress { Name = "CreateAccount", Status = StepStatus.Completed, Attempt = 1 },
            new StepProgress { Name = "SendWelcome", Status = StepStatus.Running, Attempt = 2, TimerId = Guid.NewGuid(), DueAt = DateTimeOffset.UnixEpoch, LastError = "timeout", InDoubt = true },
        ],
        CompensationLog = ["CreateAccount"],
        History =
        [
            new StepHistoryEntry(DateTimeOffset.UnixEpoch, StepHistoryEntry.Saga, StepHistoryKind.Started, 0),
            new StepHistoryEntry(DateTimeOffset.UnixEpoch.AddSeconds(1), "CreateAccount", StepHistoryKind.Completed, 1),
        ],
    };

    private sealed class WithTags : StepSagaState
    {
        public List<string> Tags { get; set; } = [];
    }

    private sealed class WithIgnored : StepSagaState
    {
        [JsonIgnore]
        public int Cached { get; set; }
    }

    private sealed class WithExplicitField : StepSagaState
    {
        private int _points;

        public int Points
        {
            get => _points;
            set => _points = value;
        }
    }

    private sealed record PlainRecord(Guid Id);
}

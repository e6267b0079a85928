using Sagas.CloudEvents;

namespace Sagas.Contracts.Tests.CloudEvents;

public class NameBasedIdTests
{
    [Fact]
    public void A_name_gives_the_version_8_sha256_uuid_message_ids_have_always_had()
    {
        // Expected value computed independently (Python: hashlib.sha256(b"/api\nevent-1"), version and variant bits set,
        // first 16 bytes in order): the message id the serializer gave the event with source "/api" and id "event-1"
        // before the derivation moved here, so inbox records written by earlier versions still match.
        Assert.Equal(Guid.Parse("75062c63-fc93-8fae-8cbb-a65b417a66f2"), NameBasedId.Create("/api\nevent-1"));
    }

    [Fact]
    public void The_same_name_gives_the_same_id_and_another_name_another()
    {
        Assert.Equal(NameBasedId.Create("a\nb"), NameBasedId.Create("a\nb"));
        Assert.NotEqual(NameBasedId.Create("a\nb"), NameBasedId.Create("a\nc"));
        Assert.Equal(8, NameBasedId.Create("a\nb").Version);
    }
}

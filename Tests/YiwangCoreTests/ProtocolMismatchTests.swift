import Testing
import YiwangCore

/// A hub that cannot read the node's version is told apart from a hub refusing the batch (README "Upgrade").
@Suite struct ProtocolMismatchTests {
    static let oldHubMessage = "not a Yiwang batch (bad magic or version)"
    static let hub = "https://hub.example.gov:7400/v1/sync"

    @Test func anOldHubsAnswerIsAMismatchNamingBothVersionsAndTheUpgrade() throws {
        let error = try #require(
            ProtocolMismatch.check(
                status: 400, header: nil, errorCode: "malformed_batch", message: Self.oldHubMessage, hub: Self.hub))
        #expect(error.code == .protocolMismatch)
        #expect(error.message.contains("the hub at \(Self.hub) speaks protocol 1"))
        #expect(error.message.contains("this node speaks 2") && error.message.contains("upgrade the hub first"))
        #expect(error.description.hasPrefix("protocol_mismatch: "))
    }

    @Test(arguments: [
        (400, "2", "malformed_batch", oldHubMessage),  // an upgraded hub: the batch itself is at fault
        (400, nil, "malformed_batch", "compressed payload is corrupt or not 10 bytes"),
        (400, nil, "invalid_field", oldHubMessage),
        (413, nil, "malformed_batch", oldHubMessage),
        (502, nil, nil, nil),
        (400, "9", "malformed_batch", oldHubMessage),  // a version this build does not know: not "older"
        (400, "two", "malformed_batch", oldHubMessage),
    ] as [(Int, String?, String?, String?)])
    func anyOtherAnswerIsNot(_ status: Int, _ header: String?, _ code: String?, _ message: String?) {
        #expect(ProtocolMismatch.check(status: status, header: header, errorCode: code, message: message, hub: Self.hub) == nil)
    }

    @Test func aHubOfVersionTwoRefusingALaterVersionIsOneToo() throws {
        let error = try #require(
            ProtocolMismatch.check(
                status: 400, header: "1", errorCode: "malformed_batch",
                message: "batch protocol version '2' is newer than this hub (it reads 1): upgrade the hub",
                hub: Self.hub, sent: .v2))
        #expect(error.message.contains("speaks protocol 1"))
        // A batch written in version 1 (never refused for its version by any hub) is not a mismatch.
        #expect(
            ProtocolMismatch.check(
                status: 400, header: nil, errorCode: "malformed_batch", message: Self.oldHubMessage, hub: Self.hub,
                sent: .v1) == nil)
    }

    @Test func theHubsVersionFromItsHeader() {
        #expect(ProtocolMismatch.hubVersion(header: nil) == .v1)
        #expect(ProtocolMismatch.hubVersion(header: "2") == .v2)
        #expect(ProtocolMismatch.hubVersion(header: "") == nil)
        #expect(ProtocolMismatch.hubVersion(header: "99999999999999999999") == nil)
    }

    @Test func noCredentialOfTheURLReachesTheMessage() throws {
        let error = try #require(
            ProtocolMismatch.check(
                status: 400, header: nil, errorCode: "malformed_batch", message: Self.oldHubMessage,
                hub: "https://node:s3cret@hub.example.gov/v1/sync?x=a@b"))
        #expect(!error.message.contains("s3cret"))
        #expect(error.message.contains("https://hub.example.gov/v1/sync?x=a@b"))
    }
}

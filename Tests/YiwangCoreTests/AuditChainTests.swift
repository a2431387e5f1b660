import Testing
import YiwangCore

/// The audit chain's pure logic: hashing, verification, and each kind of tampering.
@Suite struct AuditChainTests {
    static func chain(_ count: Int) -> [AuditEntry] {
        var prev = AuditHash.genesis
        return (1...Int64(count)).map { seq in
            let detail = #"{"seq":\#(seq),"actor":"clerk-\#(seq)"}"#
            let hash = AuditEntry.chainHash(
                prev: prev, seq: seq, atMs: 1_000 + seq, kind: "apply", node: "430100", dataset: "population",
                key: "k\(seq)", detail: detail)
            defer { prev = hash }
            return AuditEntry(
                seq: seq, atMs: 1_000 + seq, kind: "apply", node: "430100", dataset: "population", key: "k\(seq)",
                detail: detail, prevHash: prev, hash: hash)
        }
    }

    @Test func intactChainVerifiesAndHeadRoundTrips() throws {
        let entries = Self.chain(10)
        let result = AuditChainVerifier.verify(entries)
        #expect(result.isIntact && result.checked == 10)
        #expect(result.head == AuditHead(seq: 10, hash: entries[9].hash))
        #expect(AuditHead(parsing: result.head.description) == result.head)
        #expect(AuditChainVerifier.verify(entries, expecting: AuditHead(seq: 4, hash: entries[3].hash)).isIntact)
        #expect(AuditChainVerifier.verify([AuditEntry]()).isIntact)
    }

    /// Details are hashed, so their bytes must be exact; they must also stay valid JSON whatever an actor or
    /// error message holds (quotes, backslashes, control characters, non-ASCII).
    @Test func detailIsExactJSONForAnyText() throws {
        var detail = AuditDetail()
        detail.add("actor", "王 \"clerk\"\\\n\t\u{01}")
        detail.add("seq", Int64(-42))
        detail.add("hlc", Int64.max)
        detail.add("empty", "")
        #expect(detail.json == #"{"actor":"王 \"clerk\"\\\n\t\u0001","seq":-42,"hlc":9223372036854775807,"empty":""}"#)
        #expect(JSONText.quoted("plain") == "\"plain\"")
        #expect(AuditDetail().json == "{}")
    }

    @Test func editedEntryIsFoundAtItsPosition() {
        var entries = Self.chain(10)
        entries[4].detail = #"{"seq":5,"actor":"someone-else"}"#
        let problem = AuditChainVerifier.verify(entries).problem
        #expect(problem?.position == 4 && problem?.seq == 5)
        #expect(problem?.reason.contains("edited") == true)
    }

    @Test func editedEntryWithRecomputedHashBreaksTheNextLink() {
        var entries = Self.chain(10)
        entries[4].detail = "{}"
        entries[4].hash = entries[4].expectedHash(after: entries[3].hash)
        #expect(AuditChainVerifier.verify(entries).problem?.seq == 6)
        // Rewriting the whole rest of the chain is caught only by an exported head.
        var prev = entries[4].hash
        for i in 5..<10 {
            entries[i].prevHash = prev
            entries[i].hash = entries[i].expectedHash(after: prev)
            prev = entries[i].hash
        }
        #expect(AuditChainVerifier.verify(entries).isIntact)
        let exported = AuditHead(seq: 8, hash: Self.chain(10)[7].hash)
        #expect(AuditChainVerifier.verify(entries, expecting: exported).problem?.seq == 8)
    }

    @Test func insertedDeletedAndReorderedEntriesAreFound() {
        let entries = Self.chain(10)
        var inserted = entries
        inserted.insert(entries[2], at: 3)
        #expect(AuditChainVerifier.verify(inserted).problem?.position == 3)

        var deleted = entries
        deleted.remove(at: 6)
        #expect(AuditChainVerifier.verify(deleted).problem?.position == 6)

        var reordered = entries
        reordered.swapAt(2, 3)
        #expect(AuditChainVerifier.verify(reordered).problem?.position == 2)

        var swappedSeqs = entries
        (swappedSeqs[2].seq, swappedSeqs[3].seq) = (swappedSeqs[3].seq, swappedSeqs[2].seq)
        swappedSeqs.swapAt(2, 3)
        #expect(AuditChainVerifier.verify(swappedSeqs).problem?.position == 2)

        let truncated = Array(entries.prefix(7))
        #expect(AuditChainVerifier.verify(truncated).isIntact)
        let problem = AuditChainVerifier.verify(truncated, expecting: AuditHead(seq: 9, hash: entries[8].hash)).problem
        #expect(problem?.position == 7 && problem?.reason.contains("deleted") == true)
    }

    @Test func gapsAreAllowedOnlyWhenAskedAndCounted() {
        var entries = Self.chain(10)
        entries.removeSubrange(2..<5)
        #expect(!AuditChainVerifier.verify(entries).isIntact)
        var verifier = AuditChainVerifier(allowsGaps: true)
        for entry in entries { verifier.check(entry) }
        #expect(verifier.finish().isIntact && verifier.skipped == 3)
    }

    @Test func streamedHashEqualsTheHashOfTheCanonicalBytes() {
        let bytes = AuditEntry.canonicalBytes(
            seq: 7, atMs: -3, kind: "apply", node: "430100", dataset: "population", key: "户籍 1", detail: "{}")
        let streamed = AuditEntry.chainHash(
            prev: .genesis, seq: 7, atMs: -3, kind: "apply", node: "430100", dataset: "population", key: "户籍 1",
            detail: "{}")
        #expect(streamed == AuditHash.of(AuditHash.genesis.bytes + bytes))
        #expect(bytes.prefix(16) == [0, 0, 0, 0, 0, 0, 0, 7, 255, 255, 255, 255, 255, 255, 255, 253])
    }

    /// The hub's `apply` detail is built as bytes and hashed from them: both must be exactly what the chains
    /// already written hold (expected values computed apart from this code, from the documented formats).
    @Test func appliedDetailAndItsChainHashKeepTheirBytes() {
        let version = Version(
            dataset: "population", key: "户籍 1", vector: VersionVector(["c\\d": UInt64.max, "a\"b": 3]),
            hlc: HLCTimestamp(packed: 123_456_789), origin: "430100", actor: "clerk \"7\"", operation: .put,
            value: #"{"n":1}"#)
        let detail = AuditDetail.appliedDetail(version, seq: 42, outcome: "applied")
        let expected =
            #"{"seq":42,"origin":"430100","actor":"clerk \"7\"","hlc":123456789,"#
            + #""vector":"a\"b:3,c\\d:18446744073709551615","op":"put","#
            + #""value_sha256":"2bfd14f43d17fc7cea24e0917a8879b4b2f880b8baeec1b9d90fbaad655e71bd","outcome":"applied"}"#
        #expect(detail.json == expected)
        #expect(detail.json.contains(JSONText.quoted(version.vector.description)))
        #expect(AuditDetail.applied(version, seq: 42, outcome: "applied") == detail.json)
        let prev = AuditHash(bytes: [UInt8](repeating: 0, count: 31) + [1])
        let fromBytes = AuditEntry.chainHash(
            prev: prev, seq: 9, atMs: 1_700_000_000_000, kind: "apply", node: "430100", dataset: "population",
            key: "户籍 1", detailUTF8: detail.jsonBytes)
        #expect(fromBytes.hex == "6b2efdb4c7306d8c350ca22ce99144cfdc87a5f537e6335418b9eed8bd974ac9")
        let fromText = AuditEntry.chainHash(
            prev: prev, seq: 9, atMs: 1_700_000_000_000, kind: "apply", node: "430100", dataset: "population",
            key: "户籍 1", detail: detail.json)
        #expect(fromText == fromBytes)
    }

    @Test func detailIsValidJSONInFixedOrder() {
        var detail = AuditDetail()
        detail.add("actor", "a \"b\"\n")
        detail.add("seq", 3)
        #expect(detail.json == #"{"actor":"a \"b\"\n","seq":3}"#)
    }

    @Test func tokensAreRandomAndOnlyTheirHashIsStable() {
        let a = CredentialToken.generate()
        let b = CredentialToken.generate()
        #expect(a != b && a.hasPrefix("yw_") && a.utf8.count == 67)
        #expect(CredentialToken.hash(a) == CredentialToken.hash(a) && CredentialToken.hash(a) != CredentialToken.hash(b))
        #expect(CredentialToken.bearer("Bearer \(a)") == a)
        #expect(CredentialToken.bearer("Basic xyz") == nil && CredentialToken.bearer(nil) == nil)
    }

    @Test func tokenBucketRefillsAtItsRate() {
        var bucket = TokenBucket(rate: 10, burst: 3, nowMs: 0)
        #expect(bucket.take(nowMs: 0) == nil && bucket.take(nowMs: 0) == nil && bucket.take(nowMs: 0) == nil)
        #expect(bucket.take(nowMs: 0) == 100)
        #expect(bucket.take(nowMs: 100) == nil)
        #expect(bucket.take(nowMs: 150) == 50)
        #expect(bucket.take(nowMs: 10_000) == nil)
    }
}

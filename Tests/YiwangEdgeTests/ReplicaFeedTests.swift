import Foundation
import Testing
import YiwangCore
import YiwangStore
import YiwangTesting

/// A relay's replica feed on two real stores: the city (a relay, positions on) serves pages of its records as
/// they changed; the county merges them and ends with the city's digest, whatever wrote the city's records.
@Suite struct ReplicaFeedTests {
    static let city = "430100"
    static let county = "430121"

    /// Pulls the whole feed of `relay` into `store`, pages of `limit`; returns the pages it took.
    @discardableResult
    static func pullAll(_ store: EdgeStore, from relay: EdgeStore, datasets: Set<String> = ["population"], limit: Int)
        async throws -> Int
    {
        var pages = 0
        while true {
            let from = try await store.replicaCursor(upstream: city)
            let page = try await relay.replicaPage(since: from, datasets: datasets, limit: limit)
            _ = try #require(try await store.applyReplicaPage(page, upstream: city, from: from))
            pages += 1
            if !page.more { return pages }
        }
    }

    static func stores(_ dir: TemporaryDirectory) throws -> (EdgeStore, EdgeStore) {
        let relay = try EdgeStore(directory: try dir.subdirectory("city"), nodeID: city, logger: testLogger)
        let county = try EdgeStore(directory: try dir.subdirectory("county"), nodeID: county, logger: testLogger)
        for store in [relay, county] { store.usePolicies(["population": .lww, "education": .lww]) }
        return (relay, county)
    }

    @Test("a county pulls the city's records (its own writes, the province's, deletes) and holds the city's digest")
    func countyConvergesOnTheCitysReplica() async throws {
        try await withTemporaryDirectory { dir in
            let (relay, county) = try Self.stores(dir)
            _ = try await relay.apply(put("before-relay"))  // written before the relay was turned on: numbered too
            try await relay.serveReplicaFeed(true)
            for i in 0..<25 { _ = try await relay.apply(put("city-\(i)")) }
            _ = try await relay.apply(.delete(dataset: "population", key: "city-3", actor: "alice"))
            let province = Version(
                dataset: "population", key: "from-province", vector: VersionVector(["430000": 4]),
                hlc: HLCTimestamp(wallMs: 5_000), origin: "430000", actor: "prov", operation: .put, value: #"{"p":1}"#)
            _ = try await relay.mergeRemote(province)
            _ = try await relay.apply(put("other", dataset: "education"))  // not granted to this county

            let pages = try await Self.pullAll(county, from: relay, limit: 7)
            #expect(pages == 4)  // 27 population records, 7 a page
            #expect(try await county.digest(dataset: "population") == (try await relay.digest(dataset: "population")))
            #expect(try await county.record(dataset: "population", key: "city-3")?.winner.isTombstone == true)
            #expect(try await county.record(dataset: "education", key: "other") == nil)

            // Changed again: served again, once, from where the county is.
            _ = try await relay.apply(put("city-5", #"{"n":2}"#))
            let from = try await county.replicaCursor(upstream: Self.city)
            let page = try await relay.replicaPage(since: from, datasets: ["population"], limit: 100)
            #expect(page.entries.map(\.key) == ["city-5"] && !page.more)
            _ = try await county.applyReplicaPage(page, upstream: Self.city, from: from)
            #expect(try await county.digest(dataset: "population") == (try await relay.digest(dataset: "population")))
            // Nothing new: an empty page that keeps the position.
            let idle = try await relay.replicaPage(since: page.cursor, datasets: ["population"], limit: 100)
            #expect(idle.entries.isEmpty && !idle.more && idle.cursor == page.cursor)
            // The county's outbox holds only its own writes: nothing pulled from the city goes back up.
            #expect(try await county.nextBatch(from: 1, maxChanges: 10, maxBytes: 1 << 20).entries.isEmpty)
        }
    }

    @Test("the county's concurrent edit that lost at the city is a conflict at the county too; its own write comes back ignored")
    func concurrentEditsAreConflicts() async throws {
        try await withTemporaryDirectory { dir in
            let (relay, county) = try Self.stores(dir)
            try await relay.serveReplicaFeed(true)
            let mine = try #require(try await county.apply(put("shared", #"{"by":"county"}"#)))
            let own = try #require(try await county.apply(put("county-only")))
            try await Task.sleep(for: .milliseconds(5))  // the city's edit is later: it wins (lww)
            _ = try await relay.apply(put("shared", #"{"by":"city"}"#))
            // The county's writes reached the city (as a relay merges its counties' uploads): a conflict there.
            _ = try await relay.mergeRemote(own)
            _ = try await relay.mergeRemote(mine)
            #expect(try await relay.conflictCount() == 1)

            let pulled = try await Self.pullAll(county, from: relay, limit: 100)
            #expect(pulled == 1)
            #expect(try await county.conflictCount() == 1)  // its own edit lost to the city's: logged here too
            #expect(try await county.record(dataset: "population", key: "shared")?.winner.value == #"{"by":"city"}"#)
            #expect(try await county.digest(dataset: "population") == (try await relay.digest(dataset: "population")))
        }
    }

    @Test("a page whose cursor goes back, or that comes after another pull, applies nothing")
    func stalePagesAreNotApplied() async throws {
        try await withTemporaryDirectory { dir in
            let (relay, county) = try Self.stores(dir)
            try await relay.serveReplicaFeed(true)
            for i in 0..<3 { _ = try await relay.apply(put("k\(i)")) }
            let page = try await relay.replicaPage(since: 0, datasets: ["population"], limit: 10)
            _ = try #require(try await county.applyReplicaPage(page, upstream: Self.city, from: 0))
            #expect(try await county.applyReplicaPage(page, upstream: Self.city, from: 0) == nil)  // moved meanwhile
            let backwards = ReplicaPage(cursor: 1, head: 3, more: false, entries: [])
            await #expect(throws: YiwangError.self) {
                try await county.applyReplicaPage(backwards, upstream: Self.city, from: 3)
            }
            #expect(try await county.replicaCursor(upstream: Self.city) == page.cursor)
            #expect(try await county.replicaCursor(upstream: "430200") == 0)  // kept per upstream
        }
    }

    @Test("turned off, the city stops numbering; turned on again, it renumbers past every old cursor")
    func turningTheRelayOffAndOnLosesNothing() async throws {
        try await withTemporaryDirectory { dir in
            let (relay, county) = try Self.stores(dir)
            try await relay.serveReplicaFeed(true)
            _ = try await relay.apply(put("a"))
            try await Self.pullAll(county, from: relay, limit: 10)
            try await relay.serveReplicaFeed(false)
            _ = try await relay.apply(put("b"))  // while off: no position
            try await relay.serveReplicaFeed(true)
            try await relay.serveReplicaFeed(true)  // idempotent: no second renumbering
            try await Self.pullAll(county, from: relay, limit: 10)
            #expect(try await county.record(dataset: "population", key: "b") != nil)
            #expect(try await county.digest(dataset: "population") == (try await relay.digest(dataset: "population")))
        }
    }

    @Test("the replica page codec round-trips and refuses hostile pages")
    func codecRefusesHostilePages() throws {
        let version = Version(
            dataset: "population", key: "k", vector: VersionVector(["430100": 1]), hlc: HLCTimestamp(wallMs: 1),
            origin: "430100", actor: "a", operation: .put, value: #"{"a":1}"#)
        let entry = SnapshotEntry(
            dataset: "population", key: "k", state: RecordState(vector: version.vector, visible: [version]))
        let page = ReplicaPage(cursor: 7, head: 9, more: true, entries: [entry])
        #expect(try ReplicaPageCodec.decode(ReplicaPageCodec.encode(page)) == page)
        #expect(try ReplicaPageCodec.decode(ReplicaPageCodec.encode(page, compress: false)) == page)
        let headBehind = ReplicaPage(cursor: 9, head: 7, more: false, entries: [entry])
        #expect(throws: YiwangError.self) { try ReplicaPageCodec.decode(ReplicaPageCodec.encode(headBehind)) }
        let emptyMore = ReplicaPage(cursor: 9, head: 9, more: true, entries: [])
        #expect(throws: YiwangError.self) { try ReplicaPageCodec.decode(ReplicaPageCodec.encode(emptyMore)) }
        let extreme = ReplicaPage(cursor: Int64.max, head: Int64.max, more: false, entries: [])
        #expect(try ReplicaPageCodec.decode(ReplicaPageCodec.encode(extreme)) == extreme)
        var bytes = ReplicaPageCodec.encode(page, compress: false)
        bytes[bytes.count - 1] ^= 0xFF  // CRC no longer matches
        #expect(throws: YiwangError.self) { try ReplicaPageCodec.decode(bytes) }
        #expect(throws: YiwangError.self) { try ReplicaPageCodec.decode(Array(bytes.prefix(5))) }
        #expect(throws: YiwangError.self) { try SnapshotCodec.decode(ReplicaPageCodec.encode(page)) }
    }
}

import Foundation
import ServiceLifecycle
import Testing
import YiwangCore
import YiwangEdge
import YiwangStore
import YiwangTesting

/// Runs an uplink against `hub` over a fresh store while `body` runs; then shuts it down gracefully.
func withUplink(
    _ hub: FakeHub, maxBatchChanges: Int = 50, status: UplinkStatus = UplinkStatus(),
    _ body: @escaping @Sendable (EdgeStore) async throws -> Void
) async throws {
    try await withTemporaryDirectory { dir in
        var configuration = EdgeConfiguration(
            nodeID: "430100", hubURL: "http://127.0.0.1:9", dataDirectory: dir.path, datasets: ["population"])
        configuration.uplink.maxBatchChanges = maxBatchChanges
        configuration.uplink.lingerMs = 0
        configuration.uplink.heartbeatIntervalMs = 100
        configuration.uplink.backoffBaseMs = 5
        configuration.uplink.backoffCapMs = 40
        let store = try openStore(dir)
        let uplink = UplinkService(
            configuration: configuration, store: store, transport: hub, status: status, logger: testLogger)
        let group = ServiceGroup(configuration: .init(services: [uplink], logger: testLogger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await body(store)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

/// Polls `condition` until it holds or `seconds` pass.
func eventually(_ seconds: Double = 30, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

@Suite("Uplink")
struct UplinkServiceTests {
    @Test("every write reaches the hub once, in order, in bounded batches", .timeLimit(.minutes(1)))
    func delivers() async throws {
        let hub = FakeHub()
        try await withUplink(hub) { store in
            _ = try await store.apply((0..<120).map { put("k\($0)") })
            for i in 0..<30 { _ = try await store.apply(put("single\(i)")) }
            #expect(try await eventually { try await store.summary().ackedThrough == 150 })
            #expect(try await store.summary().backlog == 0)
        }
        let state = hub.snapshot
        #expect(state.applied.count == 150 && state.appliedTwice.isEmpty)
        #expect(state.batches >= 3)  // 120 changes at most 50 a batch
    }

    @Test("heartbeats go out when nothing is pending", .timeLimit(.minutes(1)))
    func heartbeats() async throws {
        let hub = FakeHub()
        try await withUplink(hub) { _ in
            let sent = try await eventually { hub.snapshot.heartbeats >= 3 }
            #expect(sent)
        }
        #expect(hub.snapshot.lastReport?.backlog == 0)
    }

    @Test("the heartbeat interval runs on the injected clock, not in real time", .timeLimit(.minutes(1)))
    func heartbeatOnTheInjectedClock() async throws {
        let hub = FakeHub()
        let clock = ManualClock()
        try await withTemporaryDirectory { dir in
            var configuration = EdgeConfiguration(
                nodeID: "430100", hubURL: "http://127.0.0.1:9", dataDirectory: dir.path, datasets: ["population"])
            configuration.uplink.heartbeatIntervalMs = 5_000
            let store = try openStore(dir)
            let uplink = UplinkService(
                configuration: configuration, store: store, transport: hub, status: UplinkStatus(), logger: testLogger,
                clock: clock)
            let group = ServiceGroup(configuration: .init(services: [uplink], logger: testLogger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                #expect(try await eventually { hub.snapshot.heartbeats == 1 && clock.sleeping == 1 })
                try await Task.sleep(for: .milliseconds(200))
                #expect(hub.snapshot.heartbeats == 1, "no heartbeat before the clock moves")
                clock.advance(ms: 4_999)
                try await Task.sleep(for: .milliseconds(100))
                #expect(hub.snapshot.heartbeats == 1)
                clock.advance(ms: 1)
                #expect(try await eventually { hub.snapshot.heartbeats == 2 })
                #expect(hub.snapshot.lastReport?.clockMs == clock.nowMs(), "the report carries the injected time")
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }

    @Test("hub down: the backlog grows, then drains when the hub is back", .timeLimit(.minutes(1)))
    func hubDown() async throws {
        let hub = FakeHub()
        hub.set { $0.down = true }
        try await withUplink(hub) { store in
            _ = try await store.apply((0..<80).map { put("k\($0)") })
            #expect(try await eventually { try await store.summary().lastError?.contains("transport") == true })
            #expect(try await store.summary().backlog == 80)
            hub.set { $0.down = false }
            #expect(try await eventually { try await store.summary().ackedThrough == 80 })
            #expect(try await store.summary().lastError == nil)
        }
        #expect(hub.snapshot.applied.count == 80)
    }

    @Test("gap: a hub that lost its data gets everything again from the outbox", .timeLimit(.minutes(1)))
    func rewind() async throws {
        let hub = FakeHub()
        try await withUplink(hub) { store in
            _ = try await store.apply((0..<60).map { put("k\($0)") })
            #expect(try await eventually { try await store.summary().ackedThrough == 60 })
            hub.set {
                $0.highWater = 0  // restored from an empty backup
                $0.applied = [:]
            }
            _ = try await store.apply(put("after"))
            #expect(try await eventually { hub.snapshot.applied.count == 61 })
            #expect(try await eventually { try await store.summary().ackedThrough == 61 })
        }
        #expect(hub.snapshot.appliedTwice.isEmpty)
    }

    @Test("a change the hub refuses is quarantined and does not block the rest", .timeLimit(.minutes(1)))
    func quarantine() async throws {
        let hub = FakeHub()
        hub.set { $0.rejectKeys = ["bad"] }
        try await withUplink(hub) { store in
            _ = try await store.apply([put("a"), put("bad"), put("c")])
            _ = try await store.apply(put("d"))
            #expect(try await eventually { try await store.summary().ackedThrough == 4 })
            let summary = try await store.summary()
            #expect(summary.quarantined == 1 && summary.backlog == 0)
            #expect(try await store.quarantined().first?.change.version.key == "bad")
        }
        #expect(hub.snapshot.applied.keys.sorted() == [1, 3, 4])
    }

    @Test(
        "a batch refused whole is halved until the bad change is alone, quarantined, skipped; later writes reach the hub",
        .timeLimit(.minutes(1)))
    func refusedBatch() async throws {
        let hub = FakeHub()
        hub.set { $0.refuseBatchKeys = ["poison"] }
        try await withUplink(hub, maxBatchChanges: 16) { store in
            _ = try await store.apply((0..<10).map { put("k\($0)") } + [put("poison")])
            #expect(try await eventually { try await store.summary().quarantined == 1 })
            #expect(try await store.quarantined().first?.seq == 11)
            #expect(try await store.quarantined().first?.reason?.contains("malformed_batch") == true)
            // The skip mark moves the hub past seq 11: the node is not pinned, later writes arrive.
            _ = try await store.apply(put("after"))
            #expect(try await eventually { try await store.summary().ackedThrough == 12 })
            #expect(try await store.summary().quarantined == 1, "still held here, visible in /v1/quarantine")
            // Requeued after a fix, the change goes out under a new sequence.
            hub.set { $0.refuseBatchKeys = [] }
            #expect(try await store.requeue(seq: 11) == 13)
            #expect(try await eventually { try await store.summary().ackedThrough == 13 })
        }
        let state = hub.snapshot
        #expect(state.skipped == [11])
        #expect(state.applied.keys.sorted() == Array(1...10) + [12, 13])
        #expect(state.applied[13]?.version.key == "poison")
    }

    @Test("after a restart, a change quarantined here that the hub never took is skipped, not a wall", .timeLimit(.minutes(1)))
    func quarantinedBeforeRestart() async throws {
        let hub = FakeHub()
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir)
            _ = try await store.apply([put("a"), put("refused"), put("c")])
            try await store.applyAck(highWater: 1, rejected: [], nowMs: store.nowMs())
            try await store.quarantine(seq: 2, reason: "malformed_batch: refused before the restart")
            hub.set { $0.highWater = 1 }
            let configuration = EdgeConfiguration(
                nodeID: "430100", hubURL: "http://127.0.0.1:9", dataDirectory: dir.path, datasets: ["population"])
            let uplink = UplinkService(
                configuration: configuration, store: store, transport: hub, status: UplinkStatus(), logger: testLogger)
            let group = ServiceGroup(configuration: .init(services: [uplink], logger: testLogger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                #expect(try await eventually { try await store.summary().ackedThrough == 3 })
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            #expect(try await store.summary().quarantined == 1)
        }
        #expect(hub.snapshot.skipped == [2])
        #expect(hub.snapshot.applied.keys.sorted() == [3])
    }

    @Test("graceful shutdown finishes the batch in flight and records its acknowledgement", .timeLimit(.minutes(1)))
    func shutdownFinishesBatch() async throws {
        let hub = FakeHub()
        hub.set { $0.delayMs = 300 }
        try await withTemporaryDirectory { dir in
            var configuration = EdgeConfiguration(
                nodeID: "430100", hubURL: "http://127.0.0.1:9", dataDirectory: dir.path, datasets: ["population"])
            configuration.uplink.lingerMs = 0
            let store = try openStore(dir)
            _ = try await store.apply((0..<10).map { put("k\($0)") })
            let uplink = UplinkService(
                configuration: configuration, store: store, transport: hub, status: UplinkStatus(), logger: testLogger)
            let group = ServiceGroup(configuration: .init(services: [uplink], logger: testLogger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                #expect(try await eventually { hub.snapshot.received >= 1 })
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            #expect(try await store.summary().ackedThrough == 10)
            #expect(hub.snapshot.received == 1)
        }
    }
}

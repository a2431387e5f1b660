import Hummingbird
import NIOCore
import Synchronization
import YiwangCore

/// The request-body bytes a daemon holds at once, across every connection, and how long one body may take to
/// arrive.
///
/// A sync body is read *before* its request is admitted to the batch writer (`AdmissionGate`), so a node that
/// trickles its upload in (a slow link, or a hostile peer holding connections open) holds no admission permit
/// and stalls nobody else's batch or heartbeat. What bounds memory instead is this budget: bytes are taken from
/// it as they arrive — never by the length a request claims — and given back when the request is done with
/// them. A body that would overdraw the budget is refused at once with 503 (the node retries with backoff); a
/// body that has not fully arrived within `timeout` is refused with 408 and its connection closed.
public final class BodyBudget: Sendable {
    /// Bytes the budget holds in all.
    public let capacity: Int
    /// How long one body may take to arrive, from the first read.
    public let timeout: Duration
    private let inUse = Mutex(0)

    public init(capacity: Int, timeout: Duration) {
        self.capacity = max(1, capacity)
        self.timeout = timeout
    }

    /// Bytes currently taken by bodies in flight.
    public var bytesInUse: Int { inUse.withLock { $0 } }

    /// Reads all of `body` (at most `limit` bytes, within `timeout`), runs `use` with its bytes, and gives the
    /// bytes back to the budget when `use` returns or throws.
    /// - Throws: `batchTooLarge` past `limit`, `unavailable` when the budget is spent, `requestTimeout` when the
    ///   body is not complete in time.
    public func withBody<T: Sendable>(
        _ body: RequestBody, limit: Int, _ use: ([UInt8]) async throws -> T
    ) async throws -> T {
        let bytes = try await collect(body, limit: limit)
        defer { give(bytes.count) }
        return try await use(bytes)
    }

    /// Collects the body under the deadline; on any failure the bytes it took are given back before it throws.
    private func collect(_ body: RequestBody, limit: Int) async throws -> [UInt8] {
        let timeout = self.timeout
        return try await withThrowingTaskGroup(of: [UInt8].self) { group in
            group.addTask { try await self.read(body, limit: limit) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw YiwangError.requestTimeout("the request body did not arrive within \(timeout)")
            }
            do {
                guard let bytes = try await group.next() else { throw CancellationError() }
                group.cancelAll()
                return bytes
            } catch {
                // The deadline (or a cancellation) won: a read that completed at the same instant gives its bytes
                // back here; one still running sees the cancellation and gives them back itself.
                group.cancelAll()
                while let late = try? await group.next() { give(late.count) }
                throw error
            }
        }
    }

    private func read(_ body: RequestBody, limit: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        do {
            for try await chunk in body {
                let count = chunk.readableBytes
                guard bytes.count + count <= limit else {
                    throw YiwangError.batchTooLarge("the body is over the \(limit)-byte limit; send smaller batches")
                }
                guard take(count) else {
                    throw YiwangError.unavailable(
                        "the server is receiving \(capacity) bytes of request bodies already; retry shortly")
                }
                bytes.append(contentsOf: chunk.readableBytesView)
            }
            try Task.checkCancellation()
            return bytes
        } catch {
            give(bytes.count)
            throw error
        }
    }

    private func take(_ count: Int) -> Bool {
        inUse.withLock { used in
            guard count <= capacity - used else { return false }
            used += count
            return true
        }
    }

    private func give(_ count: Int) {
        inUse.withLock { $0 = max(0, $0 - count) }
    }
}

import Foundation
import NIOCore
import Synchronization
import YiwangCore
import YiwangStore

/// A bulk import as its body arrives: each JSON line is parsed and checked as soon as it is complete, and
/// spooled to a temporary file (unlinked at once, so a crash leaves nothing behind); the store then applies
/// the spool in one transaction, a chunk at a time. Memory is bounded by one line and one chunk, not by the
/// body (which may be up to `max_bulk_bytes`, 512 MiB by default). All-or-nothing as before: a bad line
/// fails the request before anything is written, and a failure while applying rolls everything back.
struct BulkImport {
    let dataset: String
    let actor: String
    let maxBodyBytes: Int
    let maxValueBytes: Int

    /// The longest line accepted: a value at its limit, a key at its limit with every byte escaped, framing.
    var maxLineBytes: Int { maxValueBytes + 6 * Validation.maxKeyBytes + 256 }

    /// Reads `body` to its end into a spool of checked writes.
    func spool<Body: AsyncSequence>(_ body: Body, directory: String) async throws -> BulkSpool
    where Body.Element == ByteBuffer {
        let spool = try BulkSpool(directory: directory)
        var line: [UInt8] = []
        var number = 0
        var total = 0
        func emit(_ bytes: [UInt8]) throws(YiwangError) {
            number += 1
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
            let parsed = try BulkLine.parse(bytes, number: number, maxValueBytes: maxValueBytes)
            try spool.append(
                LocalWrite(
                    dataset: dataset, key: parsed.key, actor: actor, operation: parsed.value == nil ? .delete : .put,
                    value: parsed.value))
        }
        for try await buffer in body {
            total += buffer.readableBytes
            guard total <= maxBodyBytes else {
                throw YiwangError(
                    code: .valueTooLarge, field: "body", message: "body is over the limit of \(maxBodyBytes) bytes")
            }
            var view = buffer.readableBytesView[...]
            while !view.isEmpty {
                let newline = view.firstIndex(of: UInt8(ascii: "\n"))
                let piece = view[..<(newline ?? view.endIndex)]
                guard line.count + piece.count <= maxLineBytes else {
                    throw YiwangError(
                        code: .valueTooLarge, field: "value",
                        message: "line \(number + 1): longer than \(maxLineBytes) bytes")
                }
                line.append(contentsOf: piece)
                guard let newline else { break }
                try emit(line)
                line.removeAll(keepingCapacity: true)
                view = view[view.index(after: newline)...]
            }
        }
        try emit(line)  // the last line, or the empty one after a final newline
        guard spool.count > 0 else { throw YiwangError.invalidField("body", "no lines to import") }
        return spool
    }
}

/// Checked writes in a temporary file: appended while the body arrives, then read back in order by the
/// store's import transaction (`LocalWriteSource`). Record: op u8 | key length u32 | key | value length u32 |
/// value (little endian). The file is unlinked as soon as it is open.
final class BulkSpool: LocalWriteSource {
    private struct State {
        var handle: FileHandle
        var writeBuffer: [UInt8] = []
        var count = 0
        var reading = false
        var readBuffer: [UInt8] = []
        var readOffset = 0
        var atEnd = false
    }

    private let state: Mutex<State>
    private static let flushBytes = 1 << 20

    init(directory: String) throws {
        let path = directory + "/.bulk-import-\(UUID().uuidString).spool"
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forUpdatingAtPath: path)
        else { throw YiwangError.storage("cannot create a spool file for the import in \(directory)") }
        try? FileManager.default.removeItem(atPath: path)
        state = Mutex(State(handle: handle))
    }

    deinit { state.withLock { try? $0.handle.close() } }

    var count: Int { state.withLock { $0.count } }

    func append(_ write: LocalWrite) throws(YiwangError) {
        do {
            try state.withLock { state in
                state.writeBuffer.append(write.operation.rawValue)
                Self.field(Array(write.dataset.utf8), into: &state.writeBuffer)
                Self.field(Array(write.key.utf8), into: &state.writeBuffer)
                Self.field(Array(write.actor.utf8), into: &state.writeBuffer)
                Self.field(Array((write.value ?? "").utf8), into: &state.writeBuffer)
                state.count += 1
                if state.writeBuffer.count >= Self.flushBytes {
                    try state.handle.write(contentsOf: state.writeBuffer)
                    state.writeBuffer.removeAll(keepingCapacity: true)
                }
            }
        } catch {
            throw YiwangError.storage("cannot spool the import: \(error)")
        }
    }

    func next(max: Int) throws -> [LocalWrite] {
        try state.withLock { state in
            if !state.reading {
                try state.handle.write(contentsOf: state.writeBuffer)
                state.writeBuffer = []
                try state.handle.seek(toOffset: 0)
                state.reading = true
            }
            var writes: [LocalWrite] = []
            while writes.count < max, let write = try Self.read(&state) { writes.append(write) }
            return writes
        }
    }

    private static func field(_ bytes: [UInt8], into buffer: inout [UInt8]) {
        let length = UInt32(bytes.count)
        for shift in stride(from: 0, to: 32, by: 8) { buffer.append(UInt8(truncatingIfNeeded: length >> shift)) }
        buffer.append(contentsOf: bytes)
    }

    /// The next record, or nil at the end of the spool.
    private static func read(_ state: inout State) throws -> LocalWrite? {
        guard let op = try take(1, &state)?.first else { return nil }
        guard let dataset = try text(&state), let key = try text(&state), let actor = try text(&state),
            let value = try text(&state), let operation = Operation(rawValue: op)
        else { throw YiwangError.storage("the import's spool file is truncated") }
        return LocalWrite(
            dataset: dataset, key: key, actor: actor, operation: operation, value: operation == .put ? value : nil)
    }

    private static func text(_ state: inout State) throws -> String? {
        guard let header = try take(4, &state) else { return nil }
        let length = header.reversed().reduce(0) { $0 << 8 | Int($1) }
        guard let bytes = try take(length, &state) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Exactly `n` bytes from the file (refilling the read buffer as needed), or nil at its end.
    private static func take(_ n: Int, _ state: inout State) throws -> ArraySlice<UInt8>? {
        while state.readBuffer.count - state.readOffset < n && !state.atEnd {
            let chunk = try state.handle.read(upToCount: Swift.max(flushBytes, n)) ?? Data()
            if chunk.isEmpty { state.atEnd = true }
            state.readBuffer.removeSubrange(0..<state.readOffset)
            state.readOffset = 0
            state.readBuffer.append(contentsOf: chunk)
        }
        guard state.readBuffer.count - state.readOffset >= n else { return nil }
        defer { state.readOffset += n }
        return state.readBuffer[state.readOffset..<state.readOffset + n]
    }
}

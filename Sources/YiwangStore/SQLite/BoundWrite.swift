import GRDB
import GRDBSQLite
import YiwangCore

/// A cached write statement (`INSERT`, `INSERT OR REPLACE`) executed with its values bound straight to SQLite.
///
/// The batch-apply hot path writes two rows per change; building a `StatementArguments` (an array of
/// existential values, converted to `DatabaseValue`s) cost about a fifth of the apply CPU. The values' bytes are
/// gathered into one buffer kept across executions and bound without a copy (`SQLITE_STATIC`): a copying bind
/// is a `malloc`, a `memcpy` and a `free` per text, about 3% of the hub's apply (profile in BENCHMARKS.md,
/// 2026-12-04). Only for statements that return no rows, run inside a transaction the caller opened through
/// GRDB (so GRDB's transaction bookkeeping stays right; there are no transaction observers on these stores).
struct BoundWrite {
    private let statement: Statement
    private let connection: SQLiteConnection?
    private let scratch = Scratch()

    init(_ db: Database, sql: String) throws {
        statement = try db.cachedStatement(sql: sql)
        connection = db.sqliteConnection
    }

    /// Gathers the values `bind` adds, in placeholder order, binds them, then runs the statement to completion.
    /// The bindings are cleared before this returns: SQLite keeps no pointer into the buffer.
    func execute(_ bind: (inout Values) -> Void) throws {
        let handle = statement.sqliteStatement
        scratch.reset()
        var values = Values(scratch: scratch)
        bind(&values)
        let code = scratch.bytes.withUnsafeBufferPointer { buffer in
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
            scratch.bind(handle, buffer)
            let code = sqlite3_step(handle)
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
            return code
        }
        guard code == SQLITE_DONE else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) }
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
    }

    /// One value to bind: numbers as they are, texts and blobs as a range of the scratch buffer.
    fileprivate enum Slot {
        case integer(Int64)
        case null
        case text(start: Int, count: Int)
        case blob(start: Int, count: Int)
    }

    /// The values of one execution, reused by the next: their bytes and slots keep their capacity.
    fileprivate final class Scratch {
        var bytes: [UInt8] = []
        var slots: [Slot] = []

        func reset() {
            bytes.removeAll(keepingCapacity: true)
            slots.removeAll(keepingCapacity: true)
            if bytes.capacity == 0 { bytes.reserveCapacity(1_024) }
        }

        /// Binds every slot in order; `buffer` is `bytes`, alive until the caller clears the bindings.
        func bind(_ handle: SQLiteStatement, _ buffer: UnsafeBufferPointer<UInt8>) {
            for (offset, slot) in slots.enumerated() {
                let index = Int32(offset + 1)
                switch slot {
                case .integer(let number):
                    sqlite3_bind_int64(handle, index, number)
                case .null:
                    sqlite3_bind_null(handle, index)
                case .text(let start, let count):
                    if count == 0 {
                        _ = sqlite3_bind_text(handle, index, "", 0, Scratch.transient)  // empty text, not NULL
                    } else if let base = buffer.baseAddress {
                        let chars = UnsafeRawPointer(base + start).assumingMemoryBound(to: CChar.self)
                        _ = sqlite3_bind_text(handle, index, chars, Int32(count), Scratch.static)
                    }
                case .blob(let start, let count):
                    if count == 0 {
                        _ = sqlite3_bind_zeroblob(handle, index, 0)  // an empty blob, not NULL
                    } else if let base = buffer.baseAddress {
                        _ = sqlite3_bind_blob(handle, index, base + start, Int32(count), Scratch.static)
                    }
                }
            }
        }

        static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        static let `static` = unsafeBitCast(0, to: sqlite3_destructor_type.self)
    }

    /// The values of one execution, added in placeholder order.
    struct Values {
        fileprivate let scratch: Scratch

        fileprivate init(scratch: Scratch) { self.scratch = scratch }

        private func appendText(_ write: (inout [UInt8]) -> Void) {
            let start = scratch.bytes.count
            write(&scratch.bytes)
            scratch.slots.append(.text(start: start, count: scratch.bytes.count - start))
        }

        func add(_ text: String) {
            appendText { $0.append(contentsOf: text.utf8) }
        }

        /// Text given as its UTF-8 bytes (valid UTF-8: built from strings, as `AuditDetail.jsonBytes`).
        func add(utf8Text bytes: [UInt8]) {
            appendText { $0.append(contentsOf: bytes) }
        }

        /// A vector as its text (`VersionVector.description`: `node:counter` entries joined by `,`), written
        /// into the buffer rather than into a `String`.
        func add(vector: VersionVector) {
            appendText { out in
                for (index, entry) in vector.entries.enumerated() {
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: entry.node.utf8)
                    out.append(UInt8(ascii: ":"))
                    JSONText.appendDecimal(entry.counter, to: &out)
                }
            }
        }

        /// A hash as its 32 bytes (a blob: the hub's newer `audit.hash`; `ChainedRow.hash` reads both forms).
        func add(hashBytes hash: AuditHash) {
            add(hash.bytes)
        }

        /// A hash as its 64 hex digits (`AuditHash.hex`), the text form the other chained tables keep.
        func add(hex hash: AuditHash) {
            appendText { out in JSONText.appendHex(hash.bytes, to: &out) }
        }

        func add(_ text: String?) {
            if let text { add(text) } else { addNull() }
        }

        func add(_ number: Int64) {
            scratch.slots.append(.integer(number))
        }

        func add(_ bytes: [UInt8]?) {
            guard let bytes else { return addNull() }
            let start = scratch.bytes.count
            scratch.bytes.append(contentsOf: bytes)
            scratch.slots.append(.blob(start: start, count: bytes.count))
        }

        func addNull() {
            scratch.slots.append(.null)
        }
    }
}

import GRDB
import GRDBSQLite
import YiwangCore

/// A cached write statement (`INSERT`, `INSERT OR REPLACE`) executed with its values bound straight to SQLite.
///
/// The batch-apply hot path writes three rows per change; building a `StatementArguments` (an array of
/// existential values, converted to `DatabaseValue`s) cost about a fifth of the apply CPU. Only for statements
/// that return no rows, run inside a transaction the caller opened through GRDB (so GRDB's transaction
/// bookkeeping stays right; there are no transaction observers on these stores).
struct BoundWrite {
    private let statement: Statement
    private let connection: SQLiteConnection?

    init(_ db: Database, sql: String) throws {
        statement = try db.cachedStatement(sql: sql)
        connection = db.sqliteConnection
    }

    /// Binds the values `bind` adds, in placeholder order, then runs the statement to completion.
    func execute(_ bind: (inout Values) -> Void) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        var values = Values(handle: handle)
        bind(&values)
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        guard code == SQLITE_DONE else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) }
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
    }

    /// The values of one execution, bound in placeholder order (copied by SQLite).
    struct Values {
        fileprivate let handle: SQLiteStatement
        private var index: Int32 = 1
        private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

        fileprivate init(handle: SQLiteStatement) { self.handle = handle }

        mutating func add(_ text: String) {
            var text = text
            text.withUTF8 { utf8 in
                if let base = utf8.baseAddress {
                    let chars = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
                    _ = sqlite3_bind_text(handle, index, chars, Int32(utf8.count), Self.transient)
                } else {
                    _ = sqlite3_bind_text(handle, index, "", 0, Self.transient)  // empty text, not NULL
                }
            }
            index += 1
        }

        /// Text given as its UTF-8 bytes (valid UTF-8: built from strings, as `AuditDetail.jsonBytes`).
        mutating func add(utf8Text bytes: [UInt8]) {
            bytes.withUnsafeBufferPointer { utf8 in
                if let base = utf8.baseAddress, !utf8.isEmpty {
                    let chars = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
                    _ = sqlite3_bind_text(handle, index, chars, Int32(utf8.count), Self.transient)
                } else {
                    _ = sqlite3_bind_text(handle, index, "", 0, Self.transient)  // empty text, not NULL
                }
            }
            index += 1
        }

        /// A hash as its 64 hex digits (`AuditHash.hex`), written on the stack rather than into a `String`.
        mutating func add(hex hash: AuditHash) {
            let count = hash.bytes.count * 2
            withUnsafeTemporaryAllocation(of: CChar.self, capacity: max(1, count)) { digits in
                for (offset, byte) in hash.bytes.enumerated() {
                    digits[2 * offset] = Self.hexDigits[Int(byte >> 4)]
                    digits[2 * offset + 1] = Self.hexDigits[Int(byte & 0x0F)]
                }
                _ = sqlite3_bind_text(handle, index, digits.baseAddress, Int32(count), Self.transient)
            }
            index += 1
        }

        private static let hexDigits: [CChar] = "0123456789abcdef".utf8.map { CChar(bitPattern: $0) }

        mutating func add(_ text: String?) {
            if let text { add(text) } else { addNull() }
        }

        mutating func add(_ number: Int64) {
            sqlite3_bind_int64(handle, index, number)
            index += 1
        }

        mutating func add(_ bytes: [UInt8]?) {
            guard let bytes else { return addNull() }
            bytes.withUnsafeBytes { raw in
                if let base = raw.baseAddress, !raw.isEmpty {
                    _ = sqlite3_bind_blob(handle, index, base, Int32(raw.count), Self.transient)
                } else {
                    _ = sqlite3_bind_zeroblob(handle, index, 0)  // an empty blob, not NULL
                }
            }
            index += 1
        }

        mutating func addNull() {
            sqlite3_bind_null(handle, index)
            index += 1
        }
    }
}

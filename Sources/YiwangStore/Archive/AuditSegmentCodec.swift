import Foundation
import YiwangAPI
import YiwangCore

/// The bytes of one segment file: a header line, then one JSON line per entry (`AuditEntryBody`: the hashed
/// fields exactly as the chain hashed them, read from the hub as bytes, so a NUL in a key survives as `\u0000`;
/// the two hashes in hex). Never a record value: entries hold at most a value's SHA-256.
public enum AuditSegmentCodec {
    public static let formatName = "yiwang-audit-segment/1"
    /// The longest line read back (an entry's detail is small; a line over this is refused, not buffered).
    public static let maxLineBytes = 1 << 20

    /// The first line of a segment file.
    public struct Header: Codable, Sendable, Hashable {
        public var format: String
        public var firstSeq: Int64
        public var lastSeq: Int64
        public var prevHash: String
        public var headHash: String
    }

    /// A segment's bytes for `entries` (consecutive, non-empty), which follow `prev`.
    public static func encode(_ entries: [AuditEntry], prev: AuditHash) throws -> [UInt8] {
        guard let first = entries.first, let last = entries.last else { return [] }
        var out = try headerLine(firstSeq: first.seq, lastSeq: last.seq, prev: prev, head: last.hash)
        for entry in entries { out.append(contentsOf: try entryLine(entry)) }
        return out
    }

    /// The first line of the segment holding `firstSeq...lastSeq` after `prev`, ending in `head`, newline included.
    public static func headerLine(firstSeq: Int64, lastSeq: Int64, prev: AuditHash, head: AuditHash) throws -> [UInt8] {
        let header = Header(format: formatName, firstSeq: firstSeq, lastSeq: lastSeq, prevHash: prev.hex, headHash: head.hex)
        return Array(try JSONCoding.encoder.encode(header)) + [0x0A]
    }

    /// One entry's line, newline included: `encode` is the header line and then these, in order.
    public static func entryLine(_ entry: AuditEntry) throws -> [UInt8] {
        Array(try JSONCoding.encoder.encode(AuditEntryBody(entry))) + [0x0A]
    }

    /// Why a segment's bytes cannot be read.
    public struct Malformed: Error, CustomStringConvertible {
        public var description: String
    }

    /// The header and entries of a segment file's bytes; refuses a missing header, a line that is not an entry,
    /// or one over `maxLineBytes`.
    public static func decode(_ bytes: [UInt8]) throws(Malformed) -> (Header, [AuditEntry]) {
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard let headLine = lines.first, let header = try? JSONCoding.decoder.decode(Header.self, from: Data(headLine)),
            header.format == formatName
        else { throw Malformed(description: "its first line is not a \(formatName) header") }
        var entries: [AuditEntry] = []
        entries.reserveCapacity(lines.count - 1)
        for (index, line) in lines.dropFirst().enumerated() {
            guard line.count <= maxLineBytes,
                let body = try? JSONCoding.decoder.decode(AuditEntryBody.self, from: Data(line))
            else { throw Malformed(description: "line \(index + 2) is not an audit entry") }
            entries.append(body.entry)
        }
        return (header, entries)
    }
}

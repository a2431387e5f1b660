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
        let header = Header(
            format: formatName, firstSeq: first.seq, lastSeq: last.seq, prevHash: prev.hex, headHash: last.hash.hex)
        var out = Array(try JSONCoding.encoder.encode(header))
        out.append(0x0A)
        for entry in entries {
            out.append(contentsOf: try JSONCoding.encoder.encode(AuditEntryBody(entry)))
            out.append(0x0A)
        }
        return out
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

/// The report's optional tail (after the changes), written only when it has something to say, so a node with
/// nothing quarantined and no clock reading sends exactly the version 1 payload, and every version 1 batch
/// still decodes:
///
///     tag u8 (1) | quarantined varint | oldest quarantined (optional varint) | clock skew (optional zigzag)
///
/// Hubs from before the tail refuse it ("unexpected bytes"): upgrade the hub before its nodes.
enum NodeReportTail {
    static let tag: UInt8 = 1

    static func isEmpty(_ report: NodeReport) -> Bool {
        report.quarantined == 0 && report.oldestQuarantinedMs == nil && report.clockSkewMs == nil
    }

    static func encode(_ report: NodeReport, into w: inout ByteWriter) {
        guard !isEmpty(report) else { return }
        w.u8(tag)
        w.varint(report.quarantined)
        w.optionalVarint(report.oldestQuarantinedMs)
        if let skew = report.clockSkewMs {
            w.u8(1)
            w.varint(UInt64(bitPattern: (skew << 1) ^ (skew >> 63)))
        } else {
            w.u8(0)
        }
    }

    /// Reads the tail if the next section is one; a tail of another shape is malformed, and bytes of another
    /// section are left for the caller (which refuses what its version does not know).
    static func decode(_ r: inout ByteReader, into report: inout NodeReport) throws(YiwangError) {
        guard r.peek == tag else { return }
        _ = try r.u8("report tail")
        // Range-checked as the rest of the report is: a count a SQLite integer holds, a time from the epoch
        // to year 9999, a skew no larger than that span.
        report.quarantined = try r.storedUInt("quarantined")
        report.oldestQuarantinedMs = try r.optionalWallMs("oldest quarantined")
        switch try r.u8("clock skew flag") {
        case 0: report.clockSkewMs = nil
        case 1:
            let zigzag = try r.varint("clock skew")
            let skew = Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1)
            guard skew.magnitude <= UInt64(Millis.maxWallMs) else {
                throw ByteReader.outOfRange("clock skew", "more than the span of wall-clock time")
            }
            report.clockSkewMs = skew
        default: throw .malformedBatch("clock skew flag is not 0 or 1")
        }
    }
}

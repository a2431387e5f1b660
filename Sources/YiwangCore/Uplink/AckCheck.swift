/// How far the node believes its hub's acknowledgement (issue 13, class 3): an ack may acknowledge only
/// entries this node actually sent. Pure logic, so the rules are tested without a network.
///
/// - `hubClockMs` outside `Millis.wallRange`, or an `expectedSeq` of 0 or past what was sent + 1: the ack is
///   refused whole (nothing is acknowledged, rewound or pruned).
/// - `highWater` past what was sent: only what was sent is acknowledged (so the entries really sent are not
///   resent forever), and the ack is reported as an error.
/// - a rejection of a sequence outside the batch or above the trusted high water: ignored, reported.
public struct AckCheck: Sendable, Hashable {
    /// The highest sequence this node put in a batch to the hub since it started, or had acknowledged before.
    public var sentThrough: UInt64
    /// The batch the ack answers: its first sequence and its last (nil for a heartbeat).
    public var firstSeq: UInt64
    public var lastSeq: UInt64?

    public init(sentThrough: UInt64, firstSeq: UInt64, lastSeq: UInt64?) {
        self.sentThrough = sentThrough
        self.firstSeq = firstSeq
        self.lastSeq = lastSeq
    }

    public enum Verdict: Hashable, Sendable {
        /// Rewind to `expectedSeq`: everything before it is held by the hub.
        case rewind(expectedSeq: UInt64)
        /// Record `highWater` (and the rejections kept); `problem` says what was not believed, if anything.
        case accept(highWater: UInt64, rejected: [SyncAck.Rejection], problem: String?)
        /// Nothing in the ack is believed.
        case refuse(String)
    }

    public func check(_ ack: SyncAck) -> Verdict {
        guard Millis.wallRange.contains(ack.hubClockMs) else {
            return .refuse("the hub's acknowledgement carries hubClockMs \(ack.hubClockMs), outside 0...year 9999")
        }
        let bound = sentThrough.saturatingAdd(1)
        if let expected = ack.expectedSeq {
            guard expected >= 1, expected <= bound else {
                return .refuse(
                    "the hub asked to rewind to seq \(expected); this node has sent only through \(sentThrough)")
            }
            return .rewind(expectedSeq: expected)
        }
        var problems: [String] = []
        var highWater = ack.highWater
        if highWater > sentThrough {
            problems.append(
                "the hub acknowledged through seq \(highWater); this node has sent only through \(sentThrough)")
            highWater = sentThrough
        }
        var kept: [SyncAck.Rejection] = []
        var strays = 0
        for rejection in ack.rejected {
            if let lastSeq, rejection.seq >= firstSeq, rejection.seq <= min(lastSeq, highWater) {
                kept.append(rejection)
            } else {
                strays += 1
            }
        }
        if strays > 0 { problems.append("the hub refused \(strays) sequence(s) that were not in the batch") }
        return .accept(
            highWater: highWater, rejected: kept, problem: problems.isEmpty ? nil : problems.joined(separator: "; "))
    }
}

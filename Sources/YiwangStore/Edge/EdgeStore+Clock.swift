import Foundation
import GRDB
import YiwangCore

extension EdgeStore {
    /// The time this node stamps its writes and reports with: the hub's (see `HubReferencedClock`) when the
    /// store runs on one, else the store's wall clock.
    public func nowMs() -> Int64 { wallClock.nowMs() }

    /// The hub-referenced clock the store runs on, if any.
    public var referenceClock: HubReferencedClock? { wallClock as? HubReferencedClock }

    /// The clock reference saved by `saveClockReference`; its anchor only if saved during this boot (the
    /// elapsed clock restarts at boot), else just the skew, so a restarted node is in the hub's time at once.
    public func savedClockReference(bootID: String?) throws(YiwangError) -> ClockReference? {
        try readAtStart { db in
            guard let skew = try EdgeMeta.int(db, EdgeMeta.clockSkewMs) else { return nil }
            let savedBoot = try EdgeMeta.text(db, EdgeMeta.clockBootID)
            var anchor: Int64?
            if bootID != nil && savedBoot == bootID { anchor = try EdgeMeta.int(db, EdgeMeta.clockAnchorMs) }
            return ClockReference(anchorMs: anchor, skewMs: skew)
        }
    }

    /// Pulls the HLC back to the node's time if a clock that ran hours fast left it far ahead (see
    /// `HybridLogicalClock.rebase`); persisted with the next write. Returns whether it moved.
    @discardableResult
    public func rebaseClockIfFarAhead() -> Bool {
        let now = wallClock.nowMs()
        return clock.withLock { $0.rebase(toWallMs: now) }
    }

    /// Saves the clock reference (with the boot it was measured in), for the next start.
    public func saveClockReference(_ reference: ClockReference, bootID: String?) async throws(YiwangError) {
        try await write { db in
            try EdgeMeta.set(db, EdgeMeta.clockSkewMs, reference.skewMs)
            try EdgeMeta.set(db, EdgeMeta.clockAnchorMs, reference.anchorMs)
            try EdgeMeta.set(db, EdgeMeta.clockBootID, bootID)
        }
    }
}

/// CLOCK_MONOTONIC in milliseconds: never jumps when the wall clock is set (libfaketime leaves it alone with
/// `FAKETIME_DONT_FAKE_MONOTONIC=1`). Shared by every process of one boot.
public struct SystemElapsedClock: ElapsedClock {
    public init() {}

    public func elapsedMs() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    /// This boot's id (`/proc/sys/kernel/random/boot_id`), or nil where there is none.
    public static var bootID: String? {
        guard let text = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8) else {
            return nil
        }
        let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return id.isEmpty ? nil : id
    }
}

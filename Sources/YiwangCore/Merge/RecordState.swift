/// A replica's stored state of one record.
public struct RecordState: Hashable, Sendable {
    /// The join of the vectors of every version this replica has seen of the record.
    public var vector: VersionVector
    /// The visible versions, preferred first: one for `lww`; one or more concurrent ones for `siblings`.
    public var visible: [Version]

    public init(vector: VersionVector, visible: [Version]) {
        self.vector = vector
        self.visible = visible
    }

    public init(single version: Version) {
        self.init(vector: version.vector, visible: [version])
    }

    /// The preferred visible version (the only one under `lww`).
    public var winner: Version { visible[0] }

    /// True when the winner is a delete and no sibling holds a value.
    public var isDeleted: Bool { visible.allSatisfy(\.isTombstone) }
}

/// Two concurrent versions of a record and how they were resolved; the loser is kept here, never dropped.
public struct ConflictRecord: Hashable, Sendable {
    public enum Resolution: String, Sendable {
        /// `lww`: the loser is no longer visible.
        case lastWriterWins = "lww"
        /// `siblings`: both stay visible.
        case keptAsSiblings = "siblings"
    }

    public var winner: Version
    public var loser: Version
    public var resolution: Resolution

    public init(winner: Version, loser: Version, resolution: Resolution) {
        self.winner = winner
        self.loser = loser
        self.resolution = resolution
    }
}

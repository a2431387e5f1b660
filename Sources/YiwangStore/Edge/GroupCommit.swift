import Synchronization

/// Group commit without a background task: the first caller to find the queue idle becomes the leader,
/// commits every request queued so far in one transaction (one fsync), resumes each waiter with its own
/// result, then hands leadership to the next waiter (if any) so no caller flushes for others indefinitely.
final class GroupCommit<Request: Sendable, Outcome: Sendable>: Sendable {
    private enum Wake: Sendable {
        case lead
        case done(Outcome)
    }

    private struct Waiter: Sendable {
        var id: UInt64
        var request: Request
        var continuation: CheckedContinuation<Wake, Never>
    }

    private struct State: Sendable {
        var queue: [Waiter] = []
        var flushing = false
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())
    /// Commits a group in one transaction and returns one outcome per request, in order.
    private let commit: @Sendable ([Request]) async -> [Outcome]

    init(commit: @escaping @Sendable ([Request]) async -> [Outcome]) {
        self.commit = commit
    }

    /// Queues `request`, and returns its outcome once the transaction holding it has committed.
    func submit(_ request: Request) async -> Outcome {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        let wake = await withCheckedContinuation { (continuation: CheckedContinuation<Wake, Never>) in
            let lead = state.withLock { state in
                state.queue.append(Waiter(id: id, request: request, continuation: continuation))
                if state.flushing { return false }
                state.flushing = true
                return true
            }
            if lead { continuation.resume(returning: .lead) }
        }
        switch wake {
        case .done(let outcome):
            return outcome
        case .lead:
            let group = state.withLock { state in
                let group = state.queue
                state.queue = []
                return group
            }
            let outcomes = await commit(group.map(\.request))
            var mine: Outcome?
            for (waiter, outcome) in zip(group, outcomes) {
                if waiter.id == id {
                    mine = outcome
                } else {
                    waiter.continuation.resume(returning: .done(outcome))
                }
            }
            let next = state.withLock { state -> Waiter? in
                guard let first = state.queue.first else {
                    state.flushing = false
                    return nil
                }
                return first
            }
            next?.continuation.resume(returning: .lead)
            guard let mine else { preconditionFailure("group commit lost the leader's own request") }
            return mine
        }
    }
}

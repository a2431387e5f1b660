import YiwangCore

extension ConnectivityReport {
    /// The operator's table (`yiwangctl status`): the roll-up line, then one row per node, worst first.
    /// BACKLOG is what the node has not yet sent up (`+Nq`: N more the hub refused, quarantined at the node;
    /// `+Nh`: N the hub holds back until it has what their vectors count); FEED LAG what it has not yet pulled
/// (`snapshot 3p@P`: it is paging a snapshot at feed position P, 3 pages served so far);
    /// VIA the relay that delivered its last report (`-`: direct, or never seen);
    /// PROTO the sync protocol version of its last batch (`-`: none since the hub was upgraded). While the
    /// nodes run more than one version, a last line counts them (a rollout, README "Upgrade").
    /// With `colour`, states are coloured with ANSI escapes (for a terminal; plain when piped).
    public func renderTable(colour: Bool) -> String {
        func backlogText(_ node: NodeStatus) -> String {
            let held = node.held ?? 0
            return String(node.backlog) + (node.quarantined > 0 ? " +\(node.quarantined)q" : "")
                + (held > 0 ? " +\(held)h" : "")
        }
        // A node paging a snapshot has no feed lag yet: it shows the snapshot's progress instead.
        func feedLagText(_ node: NodeStatus) -> String {
            if let pages = node.snapshotPages, let position = node.snapshotPosition {
                return "snapshot \(pages)p@\(position)"
            }
            return node.downlinkLag.map(String.init) ?? "-"
        }
        let header = ["STATE", "NODE", "NAME", "LEVEL", "VIA", "PROTO", "CONTACT", "DATA AGE", "BACKLOG", "FEED LAG", "APPLIED",
            "CONFLICTS", "REJECTED", "LAST ERROR"]
        let rows = nodes.map { node -> [String] in
            [
                node.state.rawValue, node.id, node.name, node.level, node.via ?? "-", node.protocolVersion.map(String.init) ?? "-",
                node.lastContactMs.map { AgeFormat.short(ms: generatedAtMs.saturatingSubtract($0)) + " ago" } ?? "never",
                AgeFormat.short(ms: node.dataAgeMs), backlogText(node), feedLagText(node),
                String(node.changesApplied),
                String(node.conflicts), String(node.rejectedBatches + node.rejectedChanges),
                node.lastError.map { String($0.prefix(60)) } ?? "",
            ]
        }
        var widths = header.map(Self.displayWidth)
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], Self.displayWidth(cell)) }
        }
        func line(_ cells: [String], state: ConnectivityState?) -> String {
            var text = ""
            for (i, cell) in cells.enumerated() {
                let padded = cell + String(repeating: " ", count: widths[i] - Self.displayWidth(cell))
                if i == 0, colour, let state {
                    text += Self.ansi(state) + padded + "\u{1B}[0m"
                } else {
                    text += padded
                }
                if i < cells.count - 1 { text += "  " }
            }
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        var out = [summary.text, line(header, state: nil)]
        for (row, node) in zip(rows, nodes) { out.append(line(row, state: node.state)) }
        if let rollout = rolloutText { out.append(rollout) }
        return out.joined(separator: "\n") + "\n"
    }

    /// e.g. "protocol: 3 nodes on 1, 118 on 2" when the nodes that synced run more than one version; nil
    /// when they all run one (or none synced yet).
    var rolloutText: String? {
        let counts = Dictionary(grouping: nodes.compactMap(\.protocolVersion), by: { $0 }).mapValues(\.count)
        guard counts.count > 1 else { return nil }
        let parts = counts.keys.sorted().enumerated().map { index, version in
            let count = counts[version] ?? 0
            return index == 0 ? "\(count) \(Summary.plural("node", count)) on \(version)" : "\(count) on \(version)"
        }
        return "protocol: " + parts.joined(separator: ", ")
    }

    static func ansi(_ state: ConnectivityState) -> String {
        switch state {
        case .realtime: "\u{1B}[32m"
        case .lagging: "\u{1B}[33m"
        case .stale: "\u{1B}[35;1m"
        case .offline: "\u{1B}[31;1m"
        case .never: "\u{1B}[90m"
        }
    }

    /// Terminal columns a string takes: CJK and full-width characters count double.
    static func displayWidth(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { width, scalar in
            let v = scalar.value
            let wide =
                (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v)
            return width + (wide ? 2 : 1)
        }
    }
}

import YiwangCore

/// Renders records and versions as JSON text with the stored value embedded as-is (it was validated as a
/// JSON object when written), so the value is never re-parsed. Shared by the hub and the edge.
public enum RecordJSON {
    /// `{"dataset","key","vector","deleted","value","versions":[...]}`; `value` is the preferred version's.
    public static func record(dataset: String, key: String, state: RecordState) -> String {
        var out = "{\"dataset\":" + quoted(dataset) + ",\"key\":" + quoted(key)
        out += ",\"vector\":" + quoted(state.vector.description)
        out += ",\"deleted\":" + (state.isDeleted ? "true" : "false")
        out += ",\"value\":" + (state.winner.value ?? "null")
        out += ",\"versions\":[" + state.visible.map { version($0) }.joined(separator: ",") + "]}"
        return out
    }

    /// `{"dataset","key","vector","hlc","hlcMs","origin","actor","op","value"}` plus any extra fields given.
    public static func version(_ v: Version, extra: [(String, String)] = []) -> String {
        var out = "{\"dataset\":" + quoted(v.dataset) + ",\"key\":" + quoted(v.key)
        out += ",\"vector\":" + quoted(v.vector.description) + ",\"hlc\":" + quoted(v.hlc.description)
        out += ",\"hlcMs\":\(v.hlc.wallMs),\"origin\":" + quoted(v.origin) + ",\"actor\":" + quoted(v.actor)
        out += ",\"op\":" + quoted(v.operation.description) + ",\"value\":" + (v.value ?? "null")
        for (name, rawJSON) in extra { out += "," + quoted(name) + ":" + rawJSON }
        return out + "}"
    }

    /// A JSON string literal.
    public static func quoted(_ s: String) -> String { JSONText.quoted(s) }
}

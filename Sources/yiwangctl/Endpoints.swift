import ArgumentParser
import Foundation
import YiwangCore
import YiwangHTTP

/// Where the hub and the node are, and the operator's credential: the environment, then the flags, read by the
/// one configuration reader (`ControlSettings`).
struct Endpoints: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(ControlSettings.help("hub")))
    var hub: String?

    @Option(name: .long, help: ArgumentHelp(ControlSettings.help("edge")))
    var edge: String?

    @Option(name: .long, help: "Request timeout in plain seconds, e.g. --timeout 30 (1 to 86400).")
    var timeout: Int = 30

    @Option(name: .long, help: ArgumentHelp(ControlSettings.help("token_file") + " Default: $YIWANG_TOKEN itself."))
    var tokenFile: String?

    @Option(name: .long, help: ArgumentHelp(ControlSettings.help("ca_file")))
    var caFile: String?

    func validate() throws {
        guard (1...86_400).contains(timeout) else { throw ValidationError("--timeout: must be 1 to 86400 seconds") }
        let settings = try self.settings()
        if let tokenFile = settings.tokenFile, !FileManager.default.isReadableFile(atPath: tokenFile) {
            throw ValidationError("token file: cannot read '\(tokenFile)'")
        }
    }

    /// The environment, then the flags.
    private func settings() throws(YiwangError) -> ControlSettings {
        var settings = ControlSettings()
        try ControlSettings.reader.read(
            into: &settings, file: nil, environment: ProcessInfo.processInfo.environment,
            flags: ConfigFlags.given(in: self, excluding: []))
        return settings
    }

    func hubURL() throws -> String {
        guard let url = try settings().hubURL else { throw ValidationError("no hub: pass --hub URL or set YIWANG_HUB") }
        return trimmed(url)
    }

    func edgeURL() throws -> String {
        guard let url = try settings().edgeURL else {
            throw ValidationError("no node: pass --edge URL or set YIWANG_EDGE")
        }
        return trimmed(url)
    }

    /// The node if one was named, else the hub (for commands that work on either replica).
    func anyURL() throws -> String {
        let settings = try self.settings()
        if settings.edgeURL != nil, hub == nil { return try edgeURL() }
        return try hubURL()
    }

    /// A client for the hub or the node, with the operator's token (its file read here, once per client).
    func client() -> APIClient {
        let settings = (try? self.settings()) ?? ControlSettings()
        var configuration = CurlHTTPClient.Configuration(connectTimeoutMs: 5_000, totalTimeoutMs: timeout * 1_000)
        configuration.bearerToken = operatorToken(settings)
        configuration.caFile = settings.caFile
        return APIClient(http: CurlHTTPClient(configuration: configuration))
    }

    /// The operator's token: the token file (flag, else `$YIWANG_TOKEN_FILE`), else `$YIWANG_TOKEN`, else none.
    private func operatorToken(_ settings: ControlSettings) -> String? {
        if let tokenFile = settings.tokenFile, let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) {
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return settings.token
    }

    private func trimmed(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }
}

/// Escapes one path segment (dataset or key) for a URL.
func pathSegment(_ s: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
}

import ArgumentParser
import Foundation
import YiwangCore
import YiwangHTTP

/// Where the hub and the node are: flags, else the environment.
struct Endpoints: ParsableArguments {
    @Option(name: .long, help: "The hub's base URL, e.g. http://127.0.0.1:7400 (default: $YIWANG_HUB).")
    var hub: String?

    @Option(name: .long, help: "The node's local API base URL, e.g. http://127.0.0.1:7401 (default: $YIWANG_EDGE).")
    var edge: String?

    @Option(name: .long, help: "Request timeout in seconds.")
    var timeout: Int = 30

    @Option(name: .long, help: "File holding an operator credential for the hub (default: $YIWANG_TOKEN).")
    var tokenFile: String?

    @Option(name: .long, help: "CA certificate (PEM) to verify a TLS hub with.")
    var caFile: String?

    func validate() throws {
        if let tokenFile, !FileManager.default.isReadableFile(atPath: tokenFile) {
            throw ValidationError("--token-file: cannot read '\(tokenFile)'")
        }
    }

    func hubURL() throws -> String {
        guard let url = hub ?? ProcessInfo.processInfo.environment["YIWANG_HUB"] else {
            throw ValidationError("no hub: pass --hub URL or set YIWANG_HUB")
        }
        return trimmed(url)
    }

    func edgeURL() throws -> String {
        guard let url = edge ?? ProcessInfo.processInfo.environment["YIWANG_EDGE"] else {
            throw ValidationError("no node: pass --edge URL or set YIWANG_EDGE")
        }
        return trimmed(url)
    }

    /// The node if one was named, else the hub (for commands that work on either replica).
    func anyURL() throws -> String {
        if edge != nil || ProcessInfo.processInfo.environment["YIWANG_EDGE"] != nil, hub == nil {
            return try edgeURL()
        }
        return try hubURL()
    }

    func client() -> APIClient {
        var configuration = CurlHTTPClient.Configuration(connectTimeoutMs: 5_000, totalTimeoutMs: timeout * 1_000)
        configuration.bearerToken = operatorToken()
        configuration.caFile = caFile
        return APIClient(http: CurlHTTPClient(configuration: configuration))
    }

    /// The operator's token: `--token-file`, else `$YIWANG_TOKEN`, else none.
    private func operatorToken() -> String? {
        if let tokenFile, let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) {
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return ProcessInfo.processInfo.environment["YIWANG_TOKEN"]
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

import CCurl
import Dispatch
import YiwangCore

/// An HTTP client on libcurl: one easy handle reused for every request (so the connection to the parent
/// stays open), connect and total timeouts, an HTTP proxy, a CA file and an optional client certificate.
/// Requests run one at a time on the client's own dispatch queue, never on Swift's cooperative threads.
public final class CurlHTTPClient: @unchecked Sendable {
    public struct Configuration: Sendable, Hashable {
        public var connectTimeoutMs: Int
        public var totalTimeoutMs: Int
        /// e.g. `http://proxy.city.gov:3128`; nil uses no proxy (the environment's proxy variables are ignored).
        public var proxy: String?
        /// PEM bundle of the CA that signed the parent's certificate.
        public var caFile: String?
        public var clientCertificateFile: String?
        public var clientKeyFile: String?
        /// Sent as `Authorization: Bearer ...` on every request.
        public var bearerToken: String?
        /// The largest answer body taken in: a peer that sends more is cut off while it sends (never buffered
        /// whole) and the request fails. 64 MiB holds the largest feed page and acknowledgement many times over.
        public var maxResponseBytes: Int = 64 << 20

        public init(
            connectTimeoutMs: Int = 5_000, totalTimeoutMs: Int = 30_000, proxy: String? = nil, caFile: String? = nil,
            clientCertificateFile: String? = nil, clientKeyFile: String? = nil, bearerToken: String? = nil
        ) {
            self.connectTimeoutMs = connectTimeoutMs
            self.totalTimeoutMs = totalTimeoutMs
            self.proxy = proxy
            self.caFile = caFile
            self.clientCertificateFile = clientCertificateFile
            self.clientKeyFile = clientKeyFile
            self.bearerToken = bearerToken
        }
    }

    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
        /// The response's header fields, names lowercased (the last response's, after any interim one).
        public var headers: [String: String] = [:]

        public var text: String { String(decoding: body, as: UTF8.self) }

        /// A response header by name (case-insensitive).
        public func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    public let configuration: Configuration
    private let queue = DispatchQueue(label: "yiwang.curl")
    /// Touched only on `queue`.
    private let handle: UnsafeMutableRawPointer

    public init(configuration: Configuration = Configuration()) {
        _ = Self.globalInit
        self.configuration = configuration
        guard let handle = curl_easy_init() else { fatalError("curl_easy_init failed: out of memory") }
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }

    public func send(method: String, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil)
        async throws(YiwangError) -> Response
    {
        let result: Result<Response, YiwangError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: self.perform(method: method, url: url, headers: headers, body: body))
            }
        }
        return try result.get()
    }

    /// The blocking request, for command-line tools that have nothing else to do meanwhile.
    public func sendBlocking(method: String, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil)
        throws(YiwangError) -> Response
    {
        try queue.sync { perform(method: method, url: url, headers: headers, body: body) }.get()
    }

    private final class Sink {
        var bytes: [UInt8] = []
        var headers: [String: String] = [:]
        let limit: Int
        /// Set when the peer sent more than `limit` body bytes (the transfer was stopped there).
        var overLimit = false

        init(limit: Int) { self.limit = limit }

        /// One header line as curl delivers it; a status line starts a new header block.
        func addHeaderLine(_ line: String) {
            if line.hasPrefix("HTTP/") {
                headers = [:]
                return
            }
            guard let colon = line.firstIndex(of: ":") else { return }
            let name = line[..<colon].lowercased()
            var value = line[line.index(after: colon)...]
            while value.first?.isWhitespace == true { value.removeFirst() }
            while value.last?.isWhitespace == true { value.removeLast() }
            headers[name] = String(value)
        }
    }

    private func perform(method: String, url: String, headers: [(String, String)], body: [UInt8]?)
        -> Result<Response, YiwangError>
    {
        curl_easy_reset(handle)
        let sink = Sink(limit: max(0, configuration.maxResponseBytes))
        var list: UnsafeMutablePointer<curl_slist>? = nil
        var allHeaders = headers
        if let token = configuration.bearerToken { allHeaders.append(("Authorization", "Bearer \(token)")) }
        allHeaders.append(("Expect", ""))  // no 100-continue round trip for large batches
        for (name, value) in allHeaders { list = curl_slist_append(list, "\(name): \(value)") }
        defer { curl_slist_free_all(list) }

        _ = yw_curl_setopt_string(handle, CURLOPT_URL, url)
        _ = yw_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = yw_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, configuration.connectTimeoutMs)
        _ = yw_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, configuration.totalTimeoutMs)
        _ = yw_curl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        _ = yw_curl_setopt_string(handle, CURLOPT_PROXY, configuration.proxy ?? "")
        if let caFile = configuration.caFile { _ = yw_curl_setopt_string(handle, CURLOPT_CAINFO, caFile) }
        if let cert = configuration.clientCertificateFile { _ = yw_curl_setopt_string(handle, CURLOPT_SSLCERT, cert) }
        if let key = configuration.clientKeyFile { _ = yw_curl_setopt_string(handle, CURLOPT_SSLKEY, key) }
        _ = yw_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list))
        _ = yw_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method)
        if method == "HEAD" { _ = yw_curl_setopt_long(handle, CURLOPT_NOBODY, 1) }

        let context = Unmanaged.passUnretained(sink).toOpaque()
        _ = yw_curl_setopt_write(
            handle,
            { data, size, count, context in
                guard let data, let context else { return 0 }
                let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
                let length = size * count
                guard length <= sink.limit - sink.bytes.count else {
                    sink.overLimit = true
                    return 0  // curl stops the transfer (CURLE_WRITE_ERROR)
                }
                data.withMemoryRebound(to: UInt8.self, capacity: length) {
                    sink.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
                }
                return length
            }, context)

        _ = yw_curl_setopt_header(
            handle,
            { data, size, count, context in
                guard let data, let context else { return 0 }
                let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
                let length = size * count
                let line = data.withMemoryRebound(to: UInt8.self, capacity: length) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                }
                sink.addHeaderLine(line)
                return length
            }, context)

        let code: CURLcode = withExtendedLifetime(sink) {
            guard let body else { return curl_easy_perform(handle) }
            return body.withUnsafeBufferPointer { buffer in
                _ = yw_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(buffer.count))
                _ = yw_curl_setopt_pointer(
                    handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress ?? emptyBody.utf8Start))
                return curl_easy_perform(handle)
            }
        }
        if sink.overLimit {
            return .failure(.transport("\(method) \(url): the answer is over \(sink.limit) bytes; not taken in"))
        }
        guard code == CURLE_OK else {
            let reason = String(cString: curl_easy_strerror(code))
            return .failure(.transport("\(method) \(url): \(reason)"))
        }
        return .success(Response(status: yw_curl_response_code(handle), body: sink.bytes, headers: sink.headers))
    }
}

private let emptyBody: StaticString = ""

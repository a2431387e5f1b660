import Foundation
import YiwangCore
import YiwangHTTP

/// Drives a `yiwang-chaos proxy` (another process) over its control API, for the scenario runner and tests.
/// Errors: the API's own (`invalid_field` naming the field, `not_found`), else `transport_error`.
public struct FaultProxyClient: Sendable {
    /// `http://HOST:PORT` of the control API.
    public let baseURL: String
    private let http: CurlHTTPClient

    public init(control: HostPort, timeoutMs: Int = 5_000) {
        self.baseURL = "http://\(control)"
        self.http = CurlHTTPClient(configuration: .init(connectTimeoutMs: timeoutMs, totalTimeoutMs: timeoutMs))
    }

    /// Adds `fault`; returns it as the proxy stored it (with its name).
    @discardableResult
    public func add(_ fault: Fault) async throws(YiwangError) -> Fault {
        let body: Data
        do { body = try JSONCoding.encoder.encode(fault) } catch { throw .invalidField("fault", "cannot be encoded") }
        return try await request("POST", "/faults", body: Array(body), as: Fault.self)
    }

    /// Removes the fault named `name` (`not_found` when there is none).
    @discardableResult
    public func remove(named name: String) async throws(YiwangError) -> Fault {
        try await request("DELETE", "/faults/\(name)", as: Fault.self)
    }

    /// Removes every fault; returns the removed ones.
    @discardableResult
    public func heal() async throws(YiwangError) -> [Fault] {
        try await request("DELETE", "/faults", as: ControlRoutes.HealResult.self).removed
    }

    /// The faults in force.
    public func faults() async throws(YiwangError) -> [Fault] {
        try await request("GET", "/faults", as: ControlRoutes.FaultList.self).faults
    }

    /// The proxy's counters.
    public func stats() async throws(YiwangError) -> ProxyStats {
        try await request("GET", "/stats", as: ProxyStats.self)
    }

    private func request<T: Decodable>(_ method: String, _ path: String, body: [UInt8]? = nil, as type: T.Type)
        async throws(YiwangError) -> T
    {
        let headers = body == nil ? [] : [("Content-Type", "application/json")]
        let response = try await http.send(method: method, url: baseURL + path, headers: headers, body: body)
        guard (200..<300).contains(response.status) else {
            if let error = try? JSONCoding.decoder.decode(ErrorBody.self, from: Data(response.body)) {
                throw YiwangError(code: Self.code(error.error), field: error.field, message: error.message)
            }
            throw .transport("\(method) \(path): HTTP \(response.status)")
        }
        do {
            return try JSONCoding.decoder.decode(T.self, from: Data(response.body))
        } catch {
            throw .transport("\(method) \(path): the answer is not the expected JSON")
        }
    }

    private static func code(_ raw: String) -> YiwangError.Code {
        let known: [YiwangError.Code] = [.invalidField, .notFound, .unavailable, .unauthorized, .forbidden]
        return known.first { $0.rawValue == raw } ?? .transport
    }
}

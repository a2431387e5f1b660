import HTTPTypes
import Hummingbird
import NIOCore

extension Response {
    /// A response whose body is JSON text built elsewhere (e.g. by `RecordJSON`).
    public static func rawJSON(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        jsonLine(text.utf8, status: status)
    }

    /// A response whose body is UTF-8 JSON built elsewhere (e.g. `ConnectivityReport.jsonBytes()`).
    public static func rawJSON(bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        jsonLine(bytes, status: status)
    }

    /// Every JSON response of the APIs: the bytes and a newline, as `application/json`.
    static func jsonLine(_ bytes: some Collection<UInt8>, status: HTTPResponse.Status) -> Response {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(bytes.count + 1)
        buffer.writeBytes(bytes)
        buffer.writeInteger(UInt8(ascii: "\n"))
        return Response(
            status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
    }
}

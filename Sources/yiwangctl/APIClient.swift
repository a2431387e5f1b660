import ArgumentParser
import Foundation
import YiwangCore
import YiwangHTTP

/// A failed call, printed as one line: `yiwangctl: CODE: message`.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
}

/// Calls a Yiwang API and turns its JSON errors into one clear line.
struct APIClient {
    let http: CurlHTTPClient

    func call(_ method: String, _ url: String, headers: [(String, String)] = [], body: [UInt8]? = nil) throws
        -> CurlHTTPClient.Response
    {
        let response: CurlHTTPClient.Response
        do {
            response = try http.sendBlocking(method: method, url: url, headers: headers, body: body)
        } catch {
            throw CommandFailure(description: "cannot reach the server: \(error.message)")
        }
        guard (200..<300).contains(response.status) else {
            if let body = try? JSONCoding.decoder.decode(ErrorBody.self, from: Data(response.body)) {
                let field = body.field.map { " (\($0))" } ?? ""
                throw CommandFailure(description: "\(body.error)\(field): \(body.message)")
            }
            throw CommandFailure(description: "HTTP \(response.status) from \(url)")
        }
        return response
    }

    func decode<T: Decodable>(_ type: T.Type, _ method: String, _ url: String) throws -> T {
        let response = try call(method, url)
        do {
            return try JSONCoding.decoder.decode(type, from: Data(response.body))
        } catch {
            throw CommandFailure(description: "unexpected answer from \(url): \(error)")
        }
    }
}

/// Prints an error line to stderr and exits 1, for every command.
func runReportingFailure(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let failure as CommandFailure {
        FileHandle.standardError.write(Data("yiwangctl: \(failure.description)\n".utf8))
        throw ExitCode(1)
    }
}

/// Re-indents a JSON text for people reading a terminal.
func prettyJSON(_ bytes: [UInt8]) -> String {
    guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)),
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    else { return String(decoding: bytes, as: UTF8.self) }
    return String(decoding: data, as: UTF8.self)
}

func isTerminal() -> Bool { isatty(STDOUT_FILENO) == 1 }

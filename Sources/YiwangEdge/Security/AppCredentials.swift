import Foundation
import YiwangCore
import YiwangHTTP

/// The municipal applications allowed to use the edge's local API (`app_credentials_file`), each with the
/// SHA-256 of its bearer token (the node never holds the tokens) and the actors it may write as: blame rests
/// on `X-Actor`, so an application can sign its writes only with the accounts listed for it.
///
/// The file is YAML, one entry per application (`yiwangctl app-credential create` prints one; a node reads
/// it at start-up, so restart it after an edit):
/// ```yaml
/// applications:
///   social-security-portal:
///     token_sha256: 5f0c...64 hex digits
///     actors: [clerk-7, clerk-8]
/// ```
public struct AppCredentials: Sendable, Hashable {
    public struct Application: Sendable, Hashable {
        public var name: String
        /// `CredentialToken.hash` of the application's token.
        public var tokenHash: String
        /// The `X-Actor` values it may write as, compared as UTF-8 bytes.
        public var actors: [String]

        public init(name: String, tokenHash: String, actors: [String]) {
            self.name = name
            self.tokenHash = tokenHash
            self.actors = actors
        }

        /// Whether this application may write as `actor` (byte for byte).
        public func mayWrite(as actor: String) -> Bool {
            let bytes = Array(actor.utf8)
            return actors.contains { Array($0.utf8) == bytes }
        }
    }

    /// The config key (and the `--app-credentials-file` flag).
    public static let key = "app_credentials_file"

    public var applications: [Application]

    public init(applications: [Application]) {
        self.applications = applications
    }

    /// The application whose token this is, or nil.
    public func application(token: String) -> Application? {
        let hash = Array(CredentialToken.hash(token).utf8)
        return applications.first { Array($0.tokenHash.utf8) == hash }
    }

    /// Reads and checks the file; errors name the file, the key and the application at fault.
    public static func load(path: String) throws(YiwangError) -> AppCredentials {
        func fail(_ why: String) -> YiwangError { .invalidConfig(file: path, key: key, why) }
        guard FileManager.default.isReadableFile(atPath: path) else { throw fail("cannot read '\(path)'") }
        let map = try DaemonSupport.loadConfigFile(path)
        guard Set(map.keys).isSubset(of: ["applications"]), let entries = map["applications"] as? [String: Any] else {
            throw fail("expected `applications:`, a mapping of application names to token_sha256 and actors")
        }
        var applications: [Application] = []
        for name in entries.keys.sorted() {
            guard (try? Validation.nodeID(name)) != nil else {
                throw fail("application name '\(name.prefix(64))' must be [0-9A-Za-z._-]{1,64}")
            }
            guard let entry = entries[name] as? [String: Any], Set(entry.keys).isSubset(of: ["token_sha256", "actors"])
            else { throw fail("'\(name)': expected token_sha256 and actors") }
            guard let hash = entry["token_sha256"] as? String, hash.utf8.count == 64,
                hash.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
            else { throw fail("'\(name)': token_sha256 must be 64 lowercase hex digits (the token's SHA-256)") }
            guard let list = entry["actors"] as? [Any], !list.isEmpty else {
                throw fail("'\(name)': actors must list at least one actor")
            }
            let actors = list.map { "\($0)" }
            for actor in actors {
                do { try Validation.actor(actor) } catch { throw fail("'\(name)': \(error.message)") }
            }
            guard !applications.contains(where: { $0.tokenHash == hash }) else {
                throw fail("'\(name)': the same token_sha256 is listed twice")
            }
            applications.append(Application(name: name, tokenHash: hash, actors: actors))
        }
        guard !applications.isEmpty else { throw fail("the file lists no application") }
        return AppCredentials(applications: applications)
    }
}

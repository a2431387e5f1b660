import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization
import UnixSignals
import YiwangCore

/// A server's TLS (the hub's listener, a city's relay listener): certificate and key from PEM files, an
/// optional client CA (mutual TLS). The certificate and key are re-read on SIGHUP (`ServerTLSReloadService`)
/// and used from the next handshake on; changing the client CA needs a restart. Errors name the daemon's keys
/// (`Keys`), e.g. `tls_cert` for the hub and `relay_tls_cert` for a relay.
public final class ServerTLS: Sendable {
    /// The file names and the config keys that set them (for the errors).
    public struct Files: Sendable, Hashable {
        public var certificate: String?
        public var key: String?
        public var clientCA: String?
        public var certificateKey: String
        public var keyKey: String
        public var clientCAKey: String

        public init(
            certificate: String?, key: String?, clientCA: String? = nil, certificateKey: String = "tls_cert",
            keyKey: String = "tls_key", clientCAKey: String = "tls_client_ca"
        ) {
            self.certificate = certificate
            self.key = key
            self.clientCA = clientCA
            self.certificateKey = certificateKey
            self.keyKey = keyKey
            self.clientCAKey = clientCAKey
        }
    }

    public let files: Files
    private let current: Mutex<NIOSSLContextConfigurationOverride>

    /// Loads the files now; throws `invalidConfig` naming the key when one cannot be read.
    public init(files: Files) throws(YiwangError) {
        self.files = files
        current = Mutex(try Self.load(files))
    }

    /// Re-reads certificate and key; on failure keeps the old ones and throws.
    public func reload() throws(YiwangError) {
        let fresh = try Self.load(files)
        current.withLock { $0 = fresh }
    }

    /// Plain HTTP/1.1 without `tls`; else TLS, and a server that fails to start (never falls back to plain
    /// HTTP) if the TLS configuration cannot be built.
    public static func serverBuilder(_ tls: ServerTLS?) -> HTTPServerBuilder {
        guard let tls else { return .http1() }
        do { return try tls.serverBuilder() } catch { return HTTPServerBuilder { _ in throw error } }
    }

    /// The server builder: HTTP/1.1 inside TLS, with the current certificate chosen at each handshake.
    public func serverBuilder() throws -> HTTPServerBuilder {
        let loaded = current.withLock { $0 }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: loaded.certificateChain ?? [], privateKey: loaded.privateKey!)
        tls.minimumTLSVersion = .tlsv12
        if let ca = files.clientCA {
            tls.trustRoots = .file(ca)
            tls.certificateVerification = .noHostnameVerification
        }
        tls.sslContextCallback = { [self] _, promise in promise.succeed(current.withLock { $0 }) }
        return try .tls(.http1(), tlsConfiguration: tls)
    }

    private static func load(_ files: Files) throws(YiwangError) -> NIOSSLContextConfigurationOverride {
        guard let certificate = files.certificate, let key = files.key else {
            throw .invalidConfig(
                file: nil, key: files.certificateKey, "\(files.certificateKey) and \(files.keyKey) must be given together")
        }
        var loaded = NIOSSLContextConfigurationOverride()
        do {
            loaded.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
        } catch {
            throw .invalidConfig(file: nil, key: files.certificateKey, "cannot read a PEM certificate from \(certificate)")
        }
        do {
            loaded.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        } catch {
            throw .invalidConfig(file: nil, key: files.keyKey, "cannot read a PEM private key from \(key)")
        }
        if let ca = files.clientCA, (try? NIOSSLCertificate.fromPEMFile(ca))?.isEmpty != false {
            throw .invalidConfig(file: nil, key: files.clientCAKey, "cannot read a PEM CA certificate from \(ca)")
        }
        return loaded
    }
}

/// Re-reads a server's TLS certificate and key on SIGHUP (e.g. after a renewal), without dropping connections.
public struct ServerTLSReloadService: Service {
    let tls: ServerTLS
    let logger: Logger

    public init(tls: ServerTLS, logger: Logger) {
        self.tls = tls
        self.logger = logger
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            do {
                try tls.reload()
                logger.notice("TLS certificate reloaded")
            } catch {
                logger.error("TLS reload failed; keeping the previous certificate", metadata: ["yiwang.error": "\(error)"])
            }
        }
    }
}

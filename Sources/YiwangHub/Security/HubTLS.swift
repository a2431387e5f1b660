import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization
import UnixSignals
import YiwangCore

/// The hub's TLS: certificate and key from `tls_cert`/`tls_key`, optional client CA (`tls_client_ca`,
/// mutual TLS). The certificate and key are re-read on SIGHUP (`HubTLSReloadService`) and used from the next
/// handshake on; changing `tls_client_ca` needs a restart.
public final class HubTLS: Sendable {
    let security: HubSecurityConfiguration
    private let current: Mutex<NIOSSLContextConfigurationOverride>

    /// Loads the files now; throws `invalidConfig` naming the key when one cannot be read.
    public init(security: HubSecurityConfiguration) throws(YiwangError) {
        self.security = security
        current = Mutex(try Self.load(security))
    }

    /// Re-reads certificate and key; on failure keeps the old ones and throws.
    public func reload() throws(YiwangError) {
        let fresh = try Self.load(security)
        current.withLock { $0 = fresh }
    }

    /// Plain HTTP/1.1 without `tls`; else TLS, and a server that fails to start (never falls back to plain
    /// HTTP) if the TLS configuration cannot be built.
    static func serverBuilder(_ tls: HubTLS?) -> HTTPServerBuilder {
        guard let tls else { return .http1() }
        do { return try tls.serverBuilder() } catch { return HTTPServerBuilder { _ in throw error } }
    }

    /// The server builder: HTTP/1.1 inside TLS, with the current certificate chosen at each handshake.
    func serverBuilder() throws -> HTTPServerBuilder {
        let loaded = current.withLock { $0 }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: loaded.certificateChain ?? [], privateKey: loaded.privateKey!)
        tls.minimumTLSVersion = .tlsv12
        if let ca = security.tlsClientCAFile {
            tls.trustRoots = .file(ca)
            tls.certificateVerification = .noHostnameVerification
        }
        tls.sslContextCallback = { [self] _, promise in promise.succeed(current.withLock { $0 }) }
        return try .tls(.http1(), tlsConfiguration: tls)
    }

    private static func load(_ security: HubSecurityConfiguration) throws(YiwangError) -> NIOSSLContextConfigurationOverride {
        guard let certificate = security.tlsCertificateFile, let key = security.tlsKeyFile else {
            throw .invalidConfig(file: nil, key: "tls_cert", "tls_cert and tls_key must be given together")
        }
        var loaded = NIOSSLContextConfigurationOverride()
        do {
            loaded.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
        } catch {
            throw .invalidConfig(file: nil, key: "tls_cert", "cannot read a PEM certificate from \(certificate)")
        }
        do {
            loaded.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        } catch {
            throw .invalidConfig(file: nil, key: "tls_key", "cannot read a PEM private key from \(key)")
        }
        if let ca = security.tlsClientCAFile, (try? NIOSSLCertificate.fromPEMFile(ca))?.isEmpty != false {
            throw .invalidConfig(file: nil, key: "tls_client_ca", "cannot read a PEM CA certificate from \(ca)")
        }
        return loaded
    }
}

/// Re-reads the hub's TLS certificate and key on SIGHUP (e.g. after a renewal), without dropping connections.
struct HubTLSReloadService: Service {
    let tls: HubTLS
    let logger: Logger

    func run() async throws {
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

import YiwangCore
import YiwangHTTP

/// The hub's TLS: certificate and key from `tls_cert`/`tls_key`, optional client CA (`tls_client_ca`,
/// mutual TLS), re-read on SIGHUP. The implementation is shared with a city's relay listener (`ServerTLS`).
public typealias HubTLS = ServerTLS

/// Re-reads the hub's TLS certificate and key on SIGHUP.
typealias HubTLSReloadService = ServerTLSReloadService

extension ServerTLS {
    /// The hub's TLS from its security settings; throws `invalidConfig` naming the key when a file cannot be read.
    public convenience init(security: HubSecurityConfiguration) throws(YiwangError) {
        try self.init(
            files: Files(
                certificate: security.tlsCertificateFile, key: security.tlsKeyFile,
                clientCA: security.tlsClientCAFile))
    }
}

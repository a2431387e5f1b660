import YiwangCore

/// The hub's security settings: who must authenticate, rate limits, and TLS. Loaded with the rest of the
/// configuration (`HubConfiguration+Keys.swift`); keys documented in `config/hub.yaml`.
public struct HubSecurityConfiguration: Sendable, Hashable {
    /// Whether requests must carry a credential.
    public enum AuthMode: String, Sendable, Hashable, CaseIterable {
        /// Required once any credential exists; with none issued, only a loopback hub serves unauthenticated
        /// (a hub on a network interface then refuses every request until credentials are issued).
        case auto
        /// Always required.
        case on
        /// Never required: allowed only on a loopback address (tests, the demo).
        case off
    }

    /// `auth`: auto (default), on, off.
    public var auth: AuthMode = .auto
    /// `rate_limit_batches_per_second`: each node's sustained `POST /v1/sync` rate (0 disables the limit).
    public var rateLimitBatchesPerSecond: Double = 50
    /// `tls_cert` / `tls_key`: PEM files; when both are set the hub serves HTTPS only.
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    /// `tls_client_ca`: PEM file; when set, clients must present a certificate signed by it (mutual TLS).
    public var tlsClientCAFile: String?
    /// `allow_plain_http`: serve plain HTTP on a non-loopback address (behind a TLS-terminating proxy).
    public var allowPlainHTTP = false

    public init() {}

    /// True when both the certificate and the key are configured.
    public var servesTLS: Bool { tlsCertificateFile != nil && tlsKeyFile != nil }

    /// The burst a node may send above its sustained rate.
    public var rateLimitBurst: Double { max(10, rateLimitBatchesPerSecond * 2) }

    /// True for a loopback address only (`LoopbackAddress`: 127.0.0.0/8 literals, ::1, localhost).
    public static func isLoopback(_ host: String) -> Bool {
        LoopbackAddress.contains(host)
    }

    /// Checks the settings against the listen address: no `auth: off` and no plain HTTP off loopback (unless
    /// allowed), certificate and key together.
    public func validate(host: String, file: String?) throws(YiwangError) {
        let loopback = Self.isLoopback(host)
        if auth == .off && !loopback {
            throw .invalidConfig(file: file, key: "auth", "auth off is allowed only on a loopback address, not \(host)")
        }
        if (tlsCertificateFile == nil) != (tlsKeyFile == nil) {
            throw .invalidConfig(file: file, key: "tls_cert", "tls_cert and tls_key must be given together")
        }
        if tlsClientCAFile != nil && !servesTLS {
            throw .invalidConfig(file: file, key: "tls_client_ca", "mutual TLS needs tls_cert and tls_key")
        }
        if !servesTLS && !loopback && !allowPlainHTTP {
            throw .invalidConfig(
                file: file, key: "tls_cert",
                "listening on \(host) without TLS: set tls_cert and tls_key, or allow_plain_http: true")
        }
    }
}

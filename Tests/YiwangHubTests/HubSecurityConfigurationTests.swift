import Testing
import YiwangCore
import YiwangHTTP
import YiwangHub

/// Start-up checks of the security settings: no unauthenticated or plain-HTTP hub on a network interface
/// unless explicitly allowed.
@Suite struct HubSecurityConfigurationTests {
    static func configuration(host: String, _ change: (inout HubSecurityConfiguration) -> Void = { _ in })
        -> HubConfiguration
    {
        var configuration = HubConfiguration()
        configuration.host = host
        configuration.topologyPath = "topology.yaml"
        change(&configuration.security)
        return configuration
    }

    static func failingKey(_ configuration: HubConfiguration) -> String? {
        do {
            try configuration.validate()
            return nil
        } catch {
            return error.field
        }
    }

    @Test func loopbackDefaultsAreValid() {
        #expect(Self.failingKey(Self.configuration(host: "127.0.0.1")) == nil)
        #expect(Self.failingKey(Self.configuration(host: "127.0.0.1") { $0.auth = .off }) == nil)
    }

    @Test func networkAddressNeedsTLSOrAnExplicitPlainHTTPAndNeverAuthOff() {
        #expect(Self.failingKey(Self.configuration(host: "0.0.0.0")) == "tls_cert")
        #expect(Self.failingKey(Self.configuration(host: "0.0.0.0") { $0.allowPlainHTTP = true }) == nil)
        let authOff = Self.configuration(host: "10.0.0.5") {
            $0.allowPlainHTTP = true
            $0.auth = .off
        }
        #expect(Self.failingKey(authOff) == "auth")
        #expect(Self.failingKey(Self.configuration(host: "0.0.0.0") { $0.tlsCertificateFile = "a.pem" }) == "tls_cert")
        let mutualWithoutTLS = Self.configuration(host: "127.0.0.1") { $0.tlsClientCAFile = "ca.pem" }
        #expect(Self.failingKey(mutualWithoutTLS) == "tls_client_ca")
    }

    @Test func aHostNameStartingWith127IsNotLoopback() {
        #expect(Self.failingKey(Self.configuration(host: "127.evil.example")) == "tls_cert")
        let authOff = Self.configuration(host: "127.0.0.1.nip.io") {
            $0.allowPlainHTTP = true
            $0.auth = .off
        }
        #expect(Self.failingKey(authOff) == "auth")
        #expect(Self.failingKey(Self.configuration(host: "::1") { $0.auth = .off }) == nil)
    }

    @Test func fileKeysParse() throws {
        var configuration = HubConfiguration()
        try HubConfiguration.reader.apply(
            environment: [
                "YIWANG_AUTH": "on", "YIWANG_RATE_LIMIT_BATCHES_PER_SECOND": "2.5", "YIWANG_ALLOW_PLAIN_HTTP": "true",
            ], to: &configuration)
        let security = configuration.security
        #expect(security.auth == .on && security.rateLimitBatchesPerSecond == 2.5 && security.allowPlainHTTP)
        #expect(security.rateLimitBurst == 10)
        #expect(throws: YiwangError.self) {
            try HubConfiguration.reader.apply(flags: ["auth": "maybe"], to: &configuration)
        }
        for rate in ["-1", "nan", "inf", "1e300"] {
            #expect(throws: YiwangError.self) {
                try HubConfiguration.reader.apply(
                    environment: ["YIWANG_RATE_LIMIT_BATCHES_PER_SECOND": rate], to: &configuration)
            }
        }
    }
}

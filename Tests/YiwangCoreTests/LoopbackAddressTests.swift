import Testing
import YiwangCore

/// The one loopback check of both daemons: real loopback addresses only, never a name that looks like one.
@Suite struct LoopbackAddressTests {
    @Test(arguments: [
        "127.0.0.1", "127.1.2.3", "127.255.255.255", "localhost", "LocalHost", "::1", "[::1]", "0:0:0:0:0:0:0:1",
        "0000:0000::0001", "::0:1", "::ffff:127.0.0.1", "::FFFF:127.9.9.9",
    ])
    func loopbackAddressesAreLoopback(_ host: String) {
        #expect(LoopbackAddress.contains(host))
    }

    @Test(arguments: [
        "127.evil.example", "127.0.0.1.evil.example", "127.", "127.1", "127.0.0.256", "0127.0.0.1", "127.0.0.01",
        "128.0.0.1", "0.0.0.0", "10.0.0.5", "::", "::2", "1::1", ":::1", "::1%lo", "[::1", "localhost.evil",
        "evil-localhost", "::ffff:10.0.0.1", "", "1:2:3:4:5:6:7:8:9", "::1::1", "fe80::1",
    ])
    func otherHostsAreNot(_ host: String) {
        #expect(!LoopbackAddress.contains(host))
    }
}

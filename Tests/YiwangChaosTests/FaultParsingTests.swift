import Testing
import YiwangChaos
import YiwangCore

@Suite struct FaultParsingTests {
    @Test func parsesAFullFault() throws {
        let json =
            #"{"name":"slow-hub","type":"latency","direction":"downstream","toxicity":0.25,"#
            + #""attributes":{"latency_ms":200,"jitter_ms":50}}"#
        let fault = try Fault.parse(json: Array(json.utf8))
        #expect(fault.name == "slow-hub")
        #expect(fault.type == .latency)
        #expect(fault.direction == .downstream)
        #expect(fault.toxicity == 0.25)
        #expect(fault.attributes == ["latency_ms": 200, "jitter_ms": 50])
    }

    @Test func fillsDefaults() throws {
        let fault = try Fault.parse(json: Array(#"{"type":"slicer"}"#.utf8))
        #expect(fault.name == "")
        #expect(fault.direction == .both)
        #expect(fault.toxicity == 1)
        #expect(fault.attributes == ["average_size": 16, "size_variation": 0, "delay_ms": 1])
    }

    @Test func roundTripsThroughItsJSON() throws {
        for fault in [
            Fault.down(name: "d"), .blackhole(name: "b", direction: .upstream), .resetPeer(name: "r", afterMs: 5),
            .latency(name: "l", ms: 10, jitterMs: 2), .bandwidth(name: "w", bytesPerSecond: 100),
            .slicer(name: "s", averageSize: 4, sizeVariation: 1, delayMs: 3), .limitData(name: "x", bytes: 7),
        ] {
            let encoded = try JSONEncoderForTests.encode(fault)
            #expect(try Fault.parse(json: encoded) == fault)
        }
    }

    static let badInputs: [(String, String)] = [
        ("not json", "body"),
        ("[1,2]", "body"),
        (#"{"direction":"both"}"#, "type"),
        (#"{"type":"lag"}"#, "type"),
        (#"{"type":7}"#, "type"),
        (#"{"type":"down","direction":"sideways"}"#, "direction"),
        (#"{"type":"down","toxicity":1.5}"#, "toxicity"),
        (#"{"type":"down","toxicity":-0.1}"#, "toxicity"),
        (#"{"type":"down","toxicity":"high"}"#, "toxicity"),
        (#"{"type":"down","name":"a b"}"#, "name"),
        (#"{"type":"down","name":3}"#, "name"),
        (#"{"type":"down","color":"red"}"#, "color"),
        (#"{"type":"down","attributes":[]}"#, "attributes"),
        (#"{"type":"down","attributes":{"latency_ms":1}}"#, "attributes.latency_ms"),
        (#"{"type":"latency"}"#, "attributes.latency_ms"),
        (#"{"type":"latency","attributes":{"latency_ms":-1}}"#, "attributes.latency_ms"),
        (#"{"type":"latency","attributes":{"latency_ms":1.5}}"#, "attributes.latency_ms"),
        (#"{"type":"latency","attributes":{"latency_ms":"200"}}"#, "attributes.latency_ms"),
        (#"{"type":"latency","attributes":{"latency_ms":1,"jitter":2}}"#, "attributes.jitter"),
        (#"{"type":"bandwidth","attributes":{"bytes_per_second":0}}"#, "attributes.bytes_per_second"),
        (#"{"type":"slicer","attributes":{"average_size":4,"size_variation":4}}"#, "attributes.size_variation"),
        (#"{"type":"limit_data"}"#, "attributes.bytes"),
    ]

    @Test(arguments: badInputs)
    func rejectsBadInputNamingTheField(json: String, field: String) {
        #expect {
            try Fault.parse(json: Array(json.utf8))
        } throws: { error in
            guard let error = error as? YiwangError else { return false }
            return error.code == .invalidField && error.field == field
        }
    }

    @Test func validatesFaultsBuiltInCode() {
        #expect(throws: YiwangError.self) { try Fault.latency(ms: -5).validated() }
        #expect(throws: YiwangError.self) { try Fault.down(toxicity: 2).validated() }
        #expect(throws: YiwangError.self) { try Fault.down(name: "no/slash").validated() }
        #expect(throws: Never.self) { try Fault.limitData(bytes: 0).validated() }
    }

    @Test(arguments: [
        ("127.0.0.1:7400", "127.0.0.1", 7400), ("localhost:0", "localhost", 0), ("[::1]:80", "::1", 80),
    ])
    func parsesHostPort(text: String, host: String, port: Int) {
        #expect(HostPort(text) == HostPort(host: host, port: port))
    }

    @Test(arguments: ["7400", ":7400", "host:", "host:70000", "host:-1", "host:x"])
    func rejectsMalformedHostPort(text: String) {
        #expect(HostPort(text) == nil)
    }
}

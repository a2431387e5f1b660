import Testing
import YiwangCore

@Suite struct ValidationTests {
    @Test(arguments: [
        "{}", "{\"a\":1}", " { \"a\" : [1, -2.5e3, true, false, null, \"x\\u00e9\\n\"] } ",
        "{\"nested\":{\"deeper\":{\"x\":[[]]}}}", "{\"名字\":\"张三\"}",
    ])
    func acceptsJSONObjects(_ text: String) throws {
        try Validation.value(text)
    }

    @Test(arguments: [
        "", "[]", "1", "\"x\"", "null", "{", "{\"a\":}", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{\"a\":01}",
        "{\"a\":1} x", "{\"a\":\"\u{1}\"}", "{\"a\":\"\\q\"}", "{\"a\":tru}", "{\"a\":1.}", "{\"a\":-}",
        "{\"a\":[1,]}", "{\"a\":\"unterminated}",
    ])
    func rejectsEverythingElse(_ text: String) {
        #expect(throws: YiwangError.self, "\(text)") { try Validation.value(text) }
    }

    @Test func limitsDepthAndSize() {
        let deep = String(repeating: "{\"a\":", count: 100) + "1" + String(repeating: "}", count: 100)
        #expect(throws: YiwangError.self) { try Validation.value(deep) }
        let big = "{\"a\":\"" + String(repeating: "x", count: 2_000) + "\"}"
        #expect(throws: YiwangError.valueTooLarge(bytes: big.utf8.count, limit: 1_000)) {
            try Validation.value(big, maxBytes: 1_000)
        }
    }

    @Test func namesKeysAndActorsAreChecked() {
        #expect(throws: Never.self) { try Validation.nodeID("430121") }
        for bad in ["", String(repeating: "1", count: 65), "43 01", "430/1"] {
            #expect(throws: YiwangError.self) { try Validation.nodeID(bad) }
        }
        #expect(throws: YiwangError.self) { try Validation.key("") }
        #expect(throws: YiwangError.self) { try Validation.key(String(repeating: "k", count: 513)) }
        #expect(throws: YiwangError.self) { try Validation.key("a\nb") }
        #expect(throws: Never.self) { try Validation.key("身份证/430121199001011234") }
        #expect(throws: YiwangError.self) { try Validation.actor("") }
    }
}

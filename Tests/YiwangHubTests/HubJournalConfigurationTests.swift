import Testing
import YiwangCore
import YiwangHub

/// The journal's two settings: `journal_retention` and `compaction_interval`, durations with a unit, with their
/// defaults, from any layer, and refused out of range naming the key.
@Suite struct HubJournalConfigurationTests {
    static func load(flags: [String: String] = [:], environment: [String: String] = [:]) throws(YiwangError)
        -> HubConfiguration
    {
        try HubConfiguration.load(
            file: nil, environment: environment, flags: flags.merging(["topology": "topology.yaml"]) { a, _ in a })
    }

    @Test func defaultsAreSevenDaysAndOneMinute() throws {
        let settings = try Self.load()
        #expect(settings.journalRetentionMs == 7 * 86_400_000 && settings.compactionIntervalMs == 60_000)
    }

    @Test func flagsAndEnvironmentTakeDurationsWithAUnit() throws {
        let flags = try Self.load(flags: ["journal-retention": "1s", "compaction-interval": "200ms"])
        #expect(flags.journalRetentionMs == 1_000 && flags.compactionIntervalMs == 200)
        let environment = try Self.load(environment: ["YIWANG_JOURNAL_RETENTION": "12d"])
        #expect(environment.journalRetentionMs == 12 * 86_400_000)
    }

    @Test(arguments: [
        ("journal-retention", "7", "bare number"), ("journal-retention", "500ms", "at least 1s"),
        ("compaction-interval", "5ms", "between 10ms and 1d"), ("compaction-interval", "2d", "between 10ms and 1d"),
    ])
    func outOfRangeOrBareValuesAreRefusedNamingTheKey(flag: String, value: String, reason: String) {
        #expect {
            _ = try Self.load(flags: [flag: value])
        } throws: { error in
            let text = "\(error)"
            return (text.contains("--" + flag) || text.contains(flag.replacingOccurrences(of: "-", with: "_")))
                && text.contains(reason)
        }
    }
}

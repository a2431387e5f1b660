import Testing
import YiwangCore
import YiwangHub

@Suite struct ProvinceGeneratorTests {
    @Test func generatesAWholeProvinceThatTheHubLoadsBack() throws {
        let topology = try ProvinceGenerator(provinceCode: 43, cities: 14, counties: 122).generate()
        #expect(topology.hub.id == "430000")
        #expect(topology.nodes.count == 136)
        #expect(topology.nodes.filter { $0.level == "city" }.map(\.id).prefix(3) == ["430100", "430200", "430300"])
        #expect(Set(topology.nodes.map(\.id)).count == 136)
        for node in topology.nodes where node.level == "county" {
            #expect(node.parent == String(node.id.prefix(4)) + "00", "county \(node.id) belongs to its city")
        }
        let reloaded = try Topology(yaml: topology.renderYAML())
        #expect(reloaded == topology)
    }

    @Test func refusesImpossibleProvinces() {
        #expect(throws: YiwangError.self) { try ProvinceGenerator(provinceCode: 4, cities: 1, counties: 0).generate() }
        #expect(throws: YiwangError.self) { try ProvinceGenerator(cities: 2, counties: 1_000).generate() }
    }
}

// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Yiwang",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "yiwang-hub", targets: ["yiwang-hub"]),
        .executable(name: "yiwang-edge", targets: ["yiwang-edge"]),
        .executable(name: "yiwangctl", targets: ["yiwangctl"]),
        .executable(name: "yiwang-chaos", targets: ["yiwang-chaos"]),
        .executable(name: "yiwang-bench", targets: ["yiwang-bench"]),
        .library(name: "YiwangCore", targets: ["YiwangCore"]),
        .library(name: "YiwangAPI", targets: ["YiwangAPI"]),
        .library(name: "YiwangTesting", targets: ["YiwangTesting"]),
        // Preloaded with libfaketime by the clock-skew tests and chaos drills (Sources/CFaketimeFix).
        .library(name: "YiwangFaketimeFix", type: .dynamic, targets: ["CFaketimeFix"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // C shims: zlib (inflate/deflate macros) and libcurl (variadic setopt).
        .target(name: "CZlib", linkerSettings: [.linkedLibrary("z")]),
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),
        // libfaketime's timerfd bug worked around, for processes run under a fake clock in tests.
        .target(name: "CFaketimeFix"),

        // Pure logic, no I/O: vectors, clocks, merge rules, wire format, classification, backoff.
        .target(
            name: "YiwangCore",
            dependencies: ["CZlib", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // The JSON types of the hub's and the node's HTTP APIs, written by the servers, read by yiwangctl.
        .target(name: "YiwangAPI", dependencies: ["YiwangCore"], swiftSettings: swiftSettings),
        // SQLite (GRDB) schemas and stores for the edge and the hub.
        .target(
            name: "YiwangStore",
            dependencies: ["YiwangCore", "YiwangAPI", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "GRDBSQLite", package: "GRDB.swift"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // HTTP plumbing shared by the daemons and the CLI: error responses, libcurl client, the configuration
        // reader, topology files, the systemd watchdog, servers' TLS (hub and relay); re-exports YiwangAPI.
        .target(
            name: "YiwangHTTP",
            dependencies: ["YiwangCore", "YiwangAPI", "CCurl",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "Yams", package: "Yams"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                           .product(name: "HummingbirdTLS", package: "hummingbird"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "YiwangHub",
            dependencies: ["YiwangCore", "YiwangAPI", "YiwangStore", "YiwangHTTP",
                           .product(name: "Metrics", package: "swift-metrics"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdTLS", package: "hummingbird"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                           .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "YiwangEdge",
            dependencies: ["YiwangCore", "YiwangAPI", "YiwangStore", "YiwangHTTP",
                           .product(name: "Metrics", package: "swift-metrics"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "yiwang-hub",
            dependencies: ["YiwangHub", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "yiwang-edge",
            dependencies: ["YiwangEdge", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "yiwangctl",
            dependencies: ["YiwangCore", "YiwangAPI", "YiwangHTTP", "YiwangStore",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        // Fault proxy (Toxiproxy-like) for chaos tests: pure fault model and shaping, NIO proxy, control API.
        .target(
            name: "YiwangChaos",
            dependencies: ["YiwangCore", "YiwangHTTP", "YiwangTesting",
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "yiwang-chaos",
            dependencies: ["YiwangChaos", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        // Benchmark suite (issue 9): real daemons on loopback, each rate beside a limit measured in the same run.
        .executableTarget(
            name: "yiwang-bench",
            dependencies: ["YiwangCore", "YiwangAPI", "YiwangStore", "YiwangHTTP", "YiwangTesting",
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        // Test kit: temporary directories, daemon process launcher.
        .target(
            name: "YiwangTesting",
            dependencies: ["YiwangCore", "YiwangHTTP"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "YiwangCoreTests",
            dependencies: ["YiwangCore", "YiwangTesting", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "YiwangAPITests",
            dependencies: ["YiwangAPI", "YiwangCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "YiwangHubTests",
            dependencies: ["YiwangCore", "YiwangAPI", "YiwangStore", "YiwangHub", "YiwangHTTP", "YiwangTesting",
                           .product(name: "HummingbirdTesting", package: "hummingbird")],
            exclude: ["Fixtures"],  // batch bytes read from the source tree (Fixtures/protocol-1/README.md)
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "YiwangEdgeTests",
            dependencies: ["YiwangCore", "YiwangAPI", "YiwangStore", "YiwangEdge", "YiwangHTTP", "YiwangTesting",
                           .product(name: "HummingbirdTesting", package: "hummingbird")],
            swiftSettings: swiftSettings
        ),
        // systemd units (verify, security), sd_notify, deploy/install.sh and the sample configs.
        .testTarget(
            name: "YiwangOpsTests",
            dependencies: ["YiwangCore", "YiwangHTTP", "YiwangTesting", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "YiwangChaosTests",
            dependencies: ["YiwangChaos", "YiwangCore", "YiwangHTTP", "YiwangTesting",
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
    ]
)

// swift-tools-version:6.1
// Amt-o-Mat: document pickup locker for a town hall.
// Modules have one job each; dependencies point inwards to AmtomatCore.
import PackageDescription

// libgpiod: the system's by default (bookworm: API v1). AMTOMAT_LIBGPIOD_PREFIX=/path/to/unpacked/debs
// builds against another one (e.g. trixie's libgpiod-dev 2.x, API v2), see docs/hardware.md.
let gpiodPrefix = Context.environment["AMTOMAT_LIBGPIOD_PREFIX"].flatMap { $0.isEmpty ? nil : $0 }

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "amtomat",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "amtomatd", targets: ["amtomatd"]),
        .executable(name: "amtomat", targets: ["amtomat"]),
        .executable(name: "amtomat-bench", targets: ["amtomat-bench"]),
        .executable(name: "amtomat-notify", targets: ["amtomat-notify"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        // Already built for Hummingbird; named here for the request-limit handler's HTTP part types.
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.34.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        // No swift-configuration: we read our own TOML, so Hummingbird's default traits are off.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0", traits: []),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // Pure domain: states, transitions, pickup codes, throttling, assignment policy, survey and raffle rules. No I/O.
        .target(
            name: "AmtomatCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // The locker description and daemon settings, read from TOML with located diagnostics.
        .target(
            name: "AmtomatConfig",
            dependencies: ["AmtomatCore", .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: strict
        ),
        // SQLite through GRDB: migrations, records, one transaction per state change.
        .target(
            name: "AmtomatStore",
            dependencies: ["AmtomatCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        // A flat C API over libgpiod v1 or v2 (chosen by the header it compiles against).
        .target(
            name: "CGPIOD",
            cSettings: gpiodPrefix.map { [.unsafeFlags(["-I\($0)/usr/include"])] } ?? [],
            linkerSettings: [.linkedLibrary("gpiod")]
                + (gpiodPrefix.map { [.unsafeFlags(["-L\($0)/usr/lib/x86_64-linux-gnu"])] } ?? [])
        ),
        // Locks and door sensors: the backend protocol, the simulated locker, the coil scheduler.
        .target(
            name: "AmtomatHardware",
            dependencies: ["AmtomatCore", "CGPIOD", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // JSON bodies of the control and kiosk APIs, shared by daemon and CLI.
        .target(name: "AmtomatAPI", dependencies: ["AmtomatCore"], swiftSettings: strict),
        // HTTP/1.1 over the control Unix socket (and loopback TCP) for the CLI and tests.
        .target(
            name: "AmtomatClient",
            dependencies: [
                "AmtomatAPI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The daemon's services: locker controller, control API, kiosk API, sweeps, systemd.
        .target(
            name: "AmtomatDaemon",
            dependencies: [
                "AmtomatCore", "AmtomatConfig", "AmtomatStore", "AmtomatHardware", "AmtomatAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),  // AES-GCM sealing of codes in the outbox
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            resources: [.copy("Kiosk")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "amtomatd",
            dependencies: [
                "AmtomatDaemon", "AmtomatConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "amtomat",
            dependencies: [
                "AmtomatClient", "AmtomatAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Delivers SMS and e-mail in a process of its own: network access, no GPIO, no state of its own
        // (it fetches due messages from amtomatd over the control socket).
        .executableTarget(
            name: "amtomat-notify",
            dependencies: [
                "AmtomatClient", "AmtomatAPI", "AmtomatConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "amtomat-bench",
            dependencies: [
                "AmtomatDaemon", "AmtomatClient", "AmtomatStore", "AmtomatConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "AmtomatCoreTests", dependencies: ["AmtomatCore"], swiftSettings: strict),
        .testTarget(name: "AmtomatConfigTests", dependencies: ["AmtomatConfig"], swiftSettings: strict),
        .testTarget(name: "AmtomatStoreTests", dependencies: ["AmtomatStore"], swiftSettings: strict),
        .testTarget(name: "AmtomatHardwareTests", dependencies: ["AmtomatHardware"], swiftSettings: strict),
        .testTarget(
            name: "AmtomatDaemonTests",
            dependencies: ["AmtomatDaemon", "AmtomatClient"],
            swiftSettings: strict
        ),
        // Starts the real binaries; depending on them makes `swift test` build them.
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["AmtomatClient", "AmtomatAPI", "AmtomatStore", "amtomatd", "amtomat", "amtomat-notify",
                           .product(name: "GRDB", package: "GRDB.swift")],  // the kill campaign lets time pass in the file
            swiftSettings: strict
        ),
    ]
)

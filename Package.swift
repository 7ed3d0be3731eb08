// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "vellum",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vellum", targets: ["vellum"]),
        .executable(name: "vellum-audit", targets: ["vellum-audit"]),
        .executable(name: "vellum-bench", targets: ["vellum-bench"]),
        .library(name: "VellumCore", targets: ["VellumCore"]),
        .library(name: "VellumStore", targets: ["VellumStore"]),
        .library(name: "VellumServer", targets: ["VellumServer"]),
        .library(name: "VellumAuditing", targets: ["VellumAuditing"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/swift-extras/swift-extras-base64.git", from: "1.2.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        // Traces over OTLP/HTTP only: the gRPC exporter's dependencies would double the first build.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        .target(
            name: "VellumCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ExtrasBase64", package: "swift-extras-base64"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VellumMigrations",
            path: "Migrations",
            exclude: ["README.md"],
            resources: [.embedInCode("SQL")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VellumStore",
            dependencies: [
                "VellumCore",
                "VellumMigrations",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VellumServer",
            dependencies: [
                "VellumCore",
                "VellumStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.embedInCode("Templates")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "vellum",
            dependencies: [
                "VellumServer",
                "VellumStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VellumAuditing",
            dependencies: [
                "VellumCore",
                "VellumStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "vellum-audit",
            dependencies: [
                "VellumAuditing",
                "VellumCore",
                "VellumStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tools/vellum-audit",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "vellum-bench",
            dependencies: [
                "VellumCore",
                "VellumStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tools/vellum-bench",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VellumTestSupport",
            dependencies: [
                "VellumCore",
                "VellumStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/VellumTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VellumCoreTests",
            dependencies: ["VellumCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VellumAuditingTests",
            dependencies: ["VellumAuditing", "VellumCore", "VellumStore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VellumStoreTests",
            dependencies: [
                "VellumMigrations",
                "VellumTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                "VellumCore",
                "VellumStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VellumServerTests",
            dependencies: [
                "VellumTestSupport",
                .product(name: "JWTKit", package: "jwt-kit"),
                "VellumServer",
                "VellumStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

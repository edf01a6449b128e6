// swift-tools-version:6.1
import PackageDescription

// PythonEmbed is the only module that may see a `PyObject`. Internal imports by default make the
// compiler refuse any public declaration that mentions a type from CPythonShim.
let embedSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    // `PythonReader` is `~Escapable` (it cannot leave the GIL scope it was read under); declaring a function
    // that returns one takes `@_lifetime`, which Swift 6.3 still has behind this flag.
    .enableExperimentalFeature("Lifetimes"),
]
let settings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "embedchat",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "embedchat", targets: ["embedchat"]),
        .executable(name: "bootstrap", targets: ["bootstrap"]),
        .executable(name: "embedchat-bench", targets: ["Benchmarks"]),
        .library(name: "PythonEmbed", targets: ["PythonEmbed"]),
        .library(name: "LiteLLM", targets: ["LiteLLM"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // libpython3.11 through pkg-config; Debian's provider is libpython3.11-dev.
        .systemLibrary(
            name: "CPythonShim",
            path: "CPythonShim",
            pkgConfig: "python-3.11-embed",
            providers: [.apt(["libpython3.11-dev"])]
        ),
        // Real C (not header inlines) so AddressSanitizer instruments reference counting and callbacks.
        .target(name: "CPythonSupport", dependencies: ["CPythonShim"]),
        .target(name: "PythonEmbed", dependencies: ["CPythonShim", "CPythonSupport"], swiftSettings: embedSettings),
        .target(name: "LiteLLM", dependencies: ["PythonEmbed"],
                swiftSettings: settings + [.enableExperimentalFeature("Lifetimes")]),  // its ReplyReader holds a PythonReader
        .target(
            name: "LambdaRuntime",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings
        ),
        .target(
            name: "ChatLambda",
            dependencies: [
                "LambdaRuntime", "LiteLLM",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings
        ),
        .executableTarget(
            name: "bootstrap",
            dependencies: ["ChatLambda", "LambdaRuntime", "LiteLLM", .product(name: "Logging", package: "swift-log")],
            swiftSettings: settings
        ),
        .executableTarget(
            name: "embedchat",
            dependencies: ["LiteLLM", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: settings
        ),
        // Loopback fakes of the LLM providers' wire protocols and of the Lambda Runtime API: test support
        // that the tests, the benchmarks and `embedchat-bench` share. Never linked into a shipped binary.
        .target(
            name: "ProviderFakes",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: settings
        ),
        .target(
            name: "RuntimeAPIFake",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: settings
        ),
        // Starts the interpreter from the environment and reports what it found, as JSON: start-up tests run it as a
        // child process, since an interpreter starts once per process.
        .executableTarget(name: "embed-probe", dependencies: ["PythonEmbed"], swiftSettings: settings),
        .executableTarget(
            name: "fake-provider",
            dependencies: ["ProviderFakes"],
            swiftSettings: settings
        ),
        .executableTarget(
            name: "Benchmarks",
            dependencies: [
                "PythonEmbed", "LiteLLM", "ProviderFakes", "RuntimeAPIFake",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: settings
        ),
        .testTarget(name: "PythonEmbedTests", dependencies: ["PythonEmbed"], swiftSettings: settings),
        .testTarget(name: "LiteLLMTests", dependencies: ["LiteLLM", "PythonEmbed", "ProviderFakes"], swiftSettings: settings),
        .testTarget(name: "LambdaRuntimeTests", dependencies: ["LambdaRuntime", "RuntimeAPIFake"], swiftSettings: settings),
        .testTarget(name: "ChatLambdaTests", dependencies: ["ChatLambda", "LiteLLM", "ProviderFakes"], swiftSettings: settings),
        .testTarget(name: "EndToEndTests", dependencies: ["ProviderFakes", "RuntimeAPIFake"], swiftSettings: settings),
    ]
)

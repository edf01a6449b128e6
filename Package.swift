// swift-tools-version:6.1
import PackageDescription

// Every target: imports are internal unless written `public import` (a module's dependencies stay its own unless
// a public declaration shows their types: PythonEmbed is the only module that may see a `PyObject`, and the
// compiler refuses any public declaration of it that mentions a type from CPythonShim), and a file sees only the
// members of the modules it imports itself.
let settings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]
let embedSettings: [SwiftSetting] = settings + [
    // `PythonReader` is `~Escapable` (it cannot leave the GIL scope it was read under); declaring a function
    // that returns one takes `@_lifetime`, which Swift 6.3 still has behind this flag.
    .enableExperimentalFeature("Lifetimes"),
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
    // Exact versions (a lock file cannot be committed: the local package copies' commit ids are not upstream's).
    // scripts/pins.txt lists these and the packages they bring; scripts/check-pins.sh holds the resolved graph to it.
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        // MCP clients (the CLI's `--mcp`) and the stdio server fixture the tests run.
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", exact: "0.12.1"),
        .package(url: "https://github.com/apple/swift-system", exact: "1.8.1"),
        // The CLI's conversation log (SQLite, FTS5) and config.toml.
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
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
        // JSON string literals and base64 written without Foundation: the Lambda runtime's JSON, the provider fakes'
        // and the redactor's forms of a secret. Depends on nothing.
        .target(name: "JSONText", swiftSettings: settings),
        .target(
            name: "LiteLLM",
            dependencies: ["PythonEmbed", "JSONText", .product(name: "Logging", package: "swift-log")],
            swiftSettings: settings + [.enableExperimentalFeature("Lifetimes")]  // its ReplyReader holds a PythonReader
        ),
        .target(
            name: "LambdaRuntime",
            dependencies: [
                "JSONText",
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
            dependencies: [
                "LiteLLM", "MCPTools", "ConversationLog", "CLIConfig", "LineEditor", "TerminalMarkdown",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: settings
        ),
        // Stdio MCP servers' tools as LiteLLM ChatTools. Only the CLI links it (and with it the MCP SDK).
        .target(
            name: "MCPTools",
            dependencies: [
                "LiteLLM",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: settings
        ),
        // A tiny stdio MCP server (add, shout, fail) the tests run as a child process.
        .executableTarget(
            name: "mcp-fixture",
            dependencies: [.product(name: "MCP", package: "swift-sdk")],
            swiftSettings: settings
        ),
        // The CLI's rooms: the conversation log (SQLite through GRDB, FTS5), the XDG paths and config.toml
        // (TOMLKit), the line editor (libedit), Markdown on a terminal. None knows litellm.
        .target(name: "ConversationLog", dependencies: [.product(name: "GRDB", package: "GRDB.swift")], swiftSettings: settings),
        .target(name: "CLIConfig", dependencies: ["TOMLKit"], swiftSettings: settings),
        // libedit through pkg-config; Debian's provider is libedit-dev. LineEditor is the only module that sees it.
        .systemLibrary(name: "CEditline", path: "Sources/CEditline", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        .target(name: "LineEditor", dependencies: ["CEditline"], swiftSettings: settings),
        .target(name: "TerminalMarkdown", swiftSettings: settings),
        // Waiting on events rather than clocks (a semaphore, a value to wait on, a clock the test moves): shared by
        // the fakes and the tests. Never linked into a shipped binary. Depends on nothing.
        .target(name: "TestSupport", swiftSettings: settings),
        // Loopback fakes of the LLM providers' wire protocols and of the Lambda Runtime API: test support
        // that the tests, the benchmarks and `embedchat-bench` share. Never linked into a shipped binary.
        .target(
            name: "ProviderFakes",
            dependencies: [
                "JSONText", "TestSupport",
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
                "PythonEmbed", "LiteLLM", "ChatLambda", "ProviderFakes", "RuntimeAPIFake", "ConversationLog",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings
        ),
        .testTarget(name: "PythonEmbedTests", dependencies: ["PythonEmbed"], swiftSettings: settings),
        .testTarget(name: "JSONTextTests", dependencies: ["JSONText"], swiftSettings: settings),
        .testTarget(
            name: "LiteLLMTests",
            dependencies: ["LiteLLM", "PythonEmbed", "ProviderFakes", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: settings
        ),
        .testTarget(
            name: "LambdaRuntimeTests",
            dependencies: [
                "LambdaRuntime", "RuntimeAPIFake", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings
        ),
        .testTarget(
            name: "ChatLambdaTests",
            dependencies: ["ChatLambda", "LiteLLM", "ProviderFakes", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: settings
        ),
        .testTarget(
            name: "MCPToolsTests",
            dependencies: ["MCPTools", "LiteLLM", "ProviderFakes"],
            swiftSettings: settings
        ),
        .testTarget(name: "ConversationLogTests", dependencies: ["ConversationLog"], swiftSettings: settings),
        .testTarget(name: "TerminalMarkdownTests", dependencies: ["TerminalMarkdown"], swiftSettings: settings),
        .testTarget(name: "EndToEndTests", dependencies: ["ProviderFakes", "RuntimeAPIFake", "TestSupport"], swiftSettings: settings),
    ]
)

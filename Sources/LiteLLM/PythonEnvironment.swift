package import PythonEmbed

// Where embedchat's interpreter finds Python: application knowledge, so it lives here and not in PythonEmbed. The
// programs above LiteLLM configure and report on Python through these types and never import PythonEmbed.

/// Where the embedded interpreter finds its packages and standard library: what ``LiteLLMClient/start(_:)`` starts
/// Python with.
public struct PythonSettings: Sendable, Equatable {
    /// The interpreter configuration these settings stand for (for the benchmarks that start PythonEmbed alone).
    package var interpreter: InterpreterConfiguration

    /// Package folders (their `.pth` files are honoured), searched after the standard library.
    public var packagePaths: [String] {
        get { interpreter.packagePaths }
        set { interpreter.packagePaths = newValue }
    }

    /// The Python home (the folder holding `lib/python3.11/`); `nil` picks the default: `/opt/python` when it holds
    /// a standard library, else the prefix of the libpython this binary loaded.
    public var home: String? {
        get { interpreter.home }
        set { interpreter.home = newValue }
    }

    /// Python started from exactly these folders, with no default home candidates and PythonEmbed's own start-up
    /// hints (tests and benchmarks that know where their packages are).
    public init(packagePaths: [String], home: String? = nil) {
        interpreter = InterpreterConfiguration(packagePaths: packagePaths, home: home)
    }

    package init(_ interpreter: InterpreterConfiguration) { self.interpreter = interpreter }

    /// embedchat's settings from `environment` (default: the process's): `EMBEDCHAT_PYTHONPATH` (colon-separated;
    /// default `/opt/python`, where the Lambda layer is mounted, which is also the first home tried),
    /// `EMBEDCHAT_PYTHONHOME` and `PYTHONMALLOC`; a start-up error names these variables.
    public static func fromEnvironment(_ environment: [String: String]? = nil) -> PythonSettings {
        PythonSettings(.fromEnvironment(.embedchat, environment))
    }
}

/// What starting the interpreter found and how long it took.
public struct PythonStartup: Sendable {
    /// The Python home in use.
    public let home: String
    /// `sys.path` after start-up.
    public let searchPath: [String]
    /// `sys.version`.
    public let pythonVersion: String
    /// The libpython this process loaded.
    public let libraryPath: String?
    /// Seconds from the start call until the interpreter was ready.
    public let duration: Double

    init(_ startup: InterpreterStartup) {
        home = startup.home
        searchPath = startup.searchPath
        pythonVersion = startup.pythonVersion
        libraryPath = startup.libraryPath
        duration = startup.duration
    }
}

extension InterpreterEnvironment {
    /// embedchat's variables: `EMBEDCHAT_PYTHONPATH` and `EMBEDCHAT_PYTHONHOME`, `/opt/python` when they are unset.
    static let embedchat = InterpreterEnvironment(
        packagePathVariable: "EMBEDCHAT_PYTHONPATH", homeVariable: "EMBEDCHAT_PYTHONHOME",
        defaultLocation: "/opt/python", packageSetup: "run scripts/setup.sh to make .python/")
}

extension Duration {
    /// The duration in seconds, as a `Double` (for reports and for Python's float timeouts).
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

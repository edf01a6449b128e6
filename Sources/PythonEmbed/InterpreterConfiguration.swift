import Foundation

/// Where the embedded interpreter finds its standard library and packages, and how it starts.
///
/// PythonEmbed knows no application: where an application's packages live, which environment variables name them
/// and what a user should do when start-up fails come from the caller (see ``fromEnvironment(_:_:)``).
public struct InterpreterConfiguration: Sendable, Equatable {
    /// Memory allocators Python can use (the values of `PYTHONMALLOC`).
    public enum Allocator: String, Sendable, Equatable {
        case `default`, malloc, pymalloc
        case mallocDebug = "malloc_debug"
        case pymallocDebug = "pymalloc_debug"
    }

    /// Package folders added with `site.addsitedir` (so their `.pth` files are honoured), after the standard library.
    public var packagePaths: [String]
    /// The Python home: the folder holding `lib/python3.11/`. `nil` picks the default (see ``resolvedHome()``).
    public var home: String?
    /// Folders tried in order as the home when ``home`` is `nil`: the first that holds a standard library wins.
    public var homeCandidates: [String]
    /// The allocator; `nil` keeps Python's default.
    public var allocator: Allocator?
    /// Environment variables set before Python starts, unless the process already has them (a user's own settings win).
    public var environmentDefaults: [String: String]
    /// Point Python's `sys.stdout` at `sys.stderr`, so that stdout carries only what the host writes.
    public var redirectsStandardOutput: Bool
    /// What a start-up error tells the user to do.
    public var hints: StartupHints

    public init(packagePaths: [String], home: String? = nil, homeCandidates: [String] = [], allocator: Allocator? = nil,
                environmentDefaults: [String: String] = [:], redirectsStandardOutput: Bool = true,
                hints: StartupHints = StartupHints()) {
        self.packagePaths = packagePaths
        self.home = home
        self.homeCandidates = homeCandidates
        self.allocator = allocator
        self.environmentDefaults = environmentDefaults
        self.redirectsStandardOutput = redirectsStandardOutput
        self.hints = hints
    }

    /// The home used when ``home`` is `nil`: the first of ``homeCandidates`` that holds a standard library, else the
    /// prefix of the libpython this binary loaded (`/usr` for Debian's, the tree's root for a relocated one).
    public func resolvedHome() -> String {
        if let home { return home }
        if let candidate = homeCandidates.first(where: Self.holdsStandardLibrary) { return candidate }
        return Self.loadedLibraryPrefix() ?? "/usr"
    }

    static func standardLibraryPath(home: String) -> String { "\(home)/lib/python3.11" }

    static func holdsStandardLibrary(_ home: String) -> Bool {
        FileManager.default.fileExists(atPath: "\(standardLibraryPath(home: home))/encodings")
    }

    /// The prefix of the libpython this process loaded: `<prefix>/lib/libpython3.11.so.1.0` or
    /// `<prefix>/lib/<multiarch>/libpython3.11.so.1.0`.
    static func loadedLibraryPrefix() -> String? {
        guard let library = Interpreter.loadedLibraryPath() else { return nil }
        var directory = URL(fileURLWithPath: library).deletingLastPathComponent()
        if directory.lastPathComponent != "lib" { directory.deleteLastPathComponent() }  // multiarch folder
        guard directory.lastPathComponent == "lib" else { return nil }
        return directory.deletingLastPathComponent().path
    }
}

/// `/proc/self/maps`, read to the end (its reported size is 0, so size-based readers get nothing).
func processMaps() -> String? {
    guard let handle = FileHandle(forReadingAtPath: "/proc/self/maps"), let data = try? handle.readToEnd() else { return nil }
    return String(decoding: data, as: UTF8.self)
}

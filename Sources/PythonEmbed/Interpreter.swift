import CPythonShim
import CPythonSupport
import Foundation
import Synchronization

/// What start-up found and how long it took.
public struct InterpreterStartup: Sendable {
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
}

/// Why the interpreter could not start, with what was looked for and where.
public struct InterpreterStartupError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, naming the path or module.
    public let reason: String
    /// What to do about it.
    public let hint: String
    public var description: String { "Python could not start: \(reason). \(hint)" }
}

/// The process's one embedded CPython 3.11 interpreter.
///
/// Start it once with ``start(_:)`` (safe from many tasks at once; later calls return the first result), then run
/// Python work inside ``withGIL(_:)`` scopes, on ``PythonWorkerPool`` threads or on the ``PythonEventLoop``.
/// It is never finalised: Lambda freezes and kills the process, and a CLI exits.
public enum Interpreter {
    private static let state = Mutex<Result<InterpreterStartup, InterpreterStartupError>?>(nil)
    private static let running = Atomic<Bool>(false)
    static let hostModule = Mutex<PythonHandle?>(nil)

    /// Whether the interpreter has started.
    public static var isRunning: Bool { running.load(ordering: .acquiring) }

    /// Starts the interpreter, once per process.
    ///
    /// Isolated configuration (no `PYTHON*` variables), no signal handlers, no bytecode writes, an explicit home,
    /// the standard library from that home, then `site.addsitedir` for each package path so `.pth` files work and
    /// Debian's `dist-packages` never appear. Releases the GIL before returning.
    /// - Returns: what start-up found; a second call returns the first call's result (or rethrows its error).
    /// - Throws: ``InterpreterStartupError`` naming the missing standard library, package folder or failed step.
    @discardableResult
    public static func start(_ configuration: InterpreterConfiguration) throws(InterpreterStartupError)
        -> InterpreterStartup
    {
        let result = state.withLock { state in
            if let state { return state }
            let result = Result { () throws(InterpreterStartupError) in try startOnce(configuration) }
            state = result
            return result
        }
        return try result.get()
    }

    private static func startOnce(_ configuration: InterpreterConfiguration) throws(InterpreterStartupError)
        -> InterpreterStartup
    {
        let began = ContinuousClock.now
        let home = configuration.resolvedHome()
        let stdlib = InterpreterConfiguration.standardLibraryPath(home: home)
        guard InterpreterConfiguration.holdsStandardLibrary(home) else {
            throw InterpreterStartupError(
                reason: "no standard library at \(stdlib) (looked for \(stdlib)/encodings) for Python home \(home)",
                hint: configuration.hints.home)
        }
        for path in configuration.packagePaths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw InterpreterStartupError(
                    reason: "the package folder \(path) does not exist",
                    hint: configuration.hints.packages)
            }
        }
        for (name, value) in configuration.environmentDefaults where getenv(name) == nil { setenv(name, value, 1) }

        let searchPaths = ["\(home)/lib/python311.zip", stdlib, "\(stdlib)/lib-dynload"]
        let allocator: cps_allocator = switch configuration.allocator {
        case .malloc: CPS_ALLOCATOR_MALLOC
        case .pymalloc: CPS_ALLOCATOR_PYMALLOC
        case .mallocDebug: CPS_ALLOCATOR_MALLOC_DEBUG
        case .pymallocDebug: CPS_ALLOCATOR_PYMALLOC_DEBUG
        case .default, nil: CPS_ALLOCATOR_DEFAULT
        }
        var message = [CChar](repeating: 0, count: 1024)
        let status = withCStrings(searchPaths) { paths in
            cps_initialize(home, "\(home)/bin/python3.11", paths, Int32(searchPaths.count), allocator, &message, message.count)
        }
        guard status == 0 else {
            throw InterpreterStartupError(
                reason: "initialisation failed with home \(home): \(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))",
                hint: "Check that \(stdlib) is a complete CPython 3.11 standard library matching the linked libpython.")
        }

        // The GIL is held here (init took it); set up paths and the host module, then release it for good.
        let gil = GIL()
        defer {
            _ = PyEval_SaveThread()
            PythonWorkerPool.housekeeping.post { _ in }  // start its thread now, not in the middle of a cancellation
        }
        do {
            let setup = try PyRef(checked: PyImport_ImportModule("site"), gil)
            for path in configuration.packagePaths {
                _ = try setup.callMethod("addsitedir", arguments: [.string(path)], gil)
            }
            let host = try HostModule.load(gil)
            _ = try host.callMethod("configure_stdio", arguments: [.bool(configuration.redirectsStandardOutput)], gil)
            hostModule.withLock { $0 = host.handle(gil) }
            running.store(true, ordering: .releasing)  // only now: a half-set-up interpreter is never used
            let sys = try PyRef(checked: PyImport_ImportModule("sys"), gil)
            let searchPath = try sys.attribute("path", gil).toValue(gil).arrayValue?.compactMap(\.stringValue) ?? []
            let version = try sys.attribute("version", gil).toValue(gil).stringValue ?? ""
            return InterpreterStartup(
                home: home, searchPath: searchPath, pythonVersion: version,
                libraryPath: loadedLibraryPath(),
                duration: (ContinuousClock.now - began).seconds)
        } catch {
            throw InterpreterStartupError(
                reason: "setting up sys.path from \(configuration.packagePaths) failed: \(error)",
                hint: configuration.hints.sitePackages)
        }
    }

    /// Imports a module (or returns it from `sys.modules`). Calls `PyImport_ImportModule`.
    /// - Throws: ``PythonError``, e.g. `ModuleNotFoundError` naming the module.
    public static func importModule(_ name: String, _ gil: borrowing GIL) throws(PythonError) -> PyRef {
        try PyRef(checked: PyImport_ImportModule(name), gil)
    }

    /// Compiles `source` into a module named `name` and registers it in `sys.modules` (glue shipped inside the
    /// binary, so it can never meet a glue file of another version). Calls `Py_CompileString` and
    /// `PyImport_ExecCodeModule`.
    /// - Throws: ``PythonError`` from compiling or running the module body (its imports included).
    public static func loadModule(named name: String, source: String, _ gil: borrowing GIL) throws(PythonError) -> PyRef {
        let code = try PyRef(checked: Py_CompileString(source, "<\(name)>", Py_file_input), gil)
        return try PyRef(checked: PyImport_ExecCodeModule(name, code.pointer), gil)
    }

    /// Runs Python statements in a fresh namespace and returns that namespace's `result` variable, if any.
    /// For tests, diagnostics and small glue; real glue lives in the host module.
    public static func run(_ code: String, _ gil: borrowing GIL) throws(PythonError) -> PyRef {
        let globals = try PyRef(checked: PyDict_New(), gil)
        let builtins = try importModule("builtins", gil)
        PyDict_SetItemString(globals.pointer, "__builtins__", builtins.pointer)
        _ = try PyRef(checked: PyRun_StringFlags(code, Py_file_input, globals.pointer, globals.pointer, nil), gil)
        guard let result = PyDict_GetItemString(globals.pointer, "result") else { return PyRef.none(gil) }
        return PyRef(borrowing: result, gil)
    }

    /// The host's glue module (see HostModule.swift).
    static func host(_ gil: borrowing GIL) -> PyRef {
        guard let handle = hostModule.withLock({ $0 }) else { preconditionFailure("host module used before start") }
        return handle.borrow(gil)
    }

    /// The path of the libpython this process loaded, from `/proc/self/maps`.
    static func loadedLibraryPath() -> String? {
        guard let maps = processMaps(),
              let line = maps.split(separator: "\n").first(where: { $0.contains("libpython3.11") }),
              let start = line.firstIndex(of: "/") else { return nil }
        return String(line[start...])
    }
}

extension Duration {
    /// The duration in seconds, as a `Double` (for reports and for Python's float timeouts).
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>>) -> R) -> R {
    let duplicates = strings.map { strdup($0)! }
    defer { duplicates.forEach { free($0) } }
    let pointers = duplicates.map { UnsafePointer($0) }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

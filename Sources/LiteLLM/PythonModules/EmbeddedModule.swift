import PythonEmbed
import Synchronization

/// A Python module of LiteLLM's, compiled into the binary and loaded on first use (``Interpreter/loadModule(named:source:_:)``),
/// with the functions the Swift side calls, kept for the process. The one loader the lazily loaded glue modules share.
///
/// The mutex is never held while Python runs: Python gives up the GIL mid-import, and a second caller holding the GIL
/// while waiting on the mutex would deadlock. Two first callers may both load the module; the first to finish wins.
final class EmbeddedModule<Functions: Sendable>: Sendable {
    /// The name it is registered under in `sys.modules`.
    let name: String
    private let source: String
    private let pick: @Sendable (borrowing PyRef, borrowing GIL) throws(PythonError) -> Functions
    private let loaded = Mutex<Functions?>(nil)

    /// - Parameters:
    ///   - name: The module's name.
    ///   - source: Its source.
    ///   - functions: Takes what the Swift side calls out of the loaded module.
    init(name: String, source: String,
         functions: @escaping @Sendable (borrowing PyRef, borrowing GIL) throws(PythonError) -> Functions) {
        self.name = name
        self.source = source
        self.pick = functions
    }

    /// The module's functions, loading it on first use.
    /// - Throws: ``PythonError`` from compiling or running the module body, or from picking its functions.
    func functions(_ gil: borrowing GIL) throws(PythonError) -> Functions {
        if let cached = loaded.withLock({ $0 }) { return cached }
        let module = try Interpreter.loadModule(named: name, source: source, gil)
        let fresh = try pick(module, gil)
        return loaded.withLock { cached in
            if let cached { return cached }
            cached = fresh
            return fresh
        }
    }
}

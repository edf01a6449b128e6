import PythonEmbed

/// The Python the client and the Router load from the binary, as (module name, source) in the order they load. The
/// client loads `beforeGlue` and `glue` from here; the Router's modules load on first use (``EmbeddedModule``). All of
/// it is what a script outside the process needs to run the same Python over the same litellm
/// (`embedchat-bench glue-modules`, which scripts/bench/router-instructions.py runs under valgrind; valgrind cannot run
/// the Swift binary itself).
package enum GlueModules {
    typealias Module = (name: String, source: String)

    /// Loaded before the glue, which imports each by name (and installs the cuts) after importing litellm: none of
    /// them imports litellm at load, so litellm is first imported with the glue's environment.
    static var beforeGlue: [Module] {
        [
            (ImageFetch.moduleName, ImageFetch.source),
            (ConnectionPoolCut.moduleName, ConnectionPoolCut.source),
            (InlineCompletionCut.moduleName, InlineCompletionCut.source),
            (RequestWriteCut.moduleName, RequestWriteCut.source),
            (ClientKeyCut.moduleName, ClientKeyCut.source),
            (ParameterSplitCut.moduleName, ParameterSplitCut.source),
        ]
    }

    /// The glue: imports litellm and the modules above.
    static let glue: Module = ("_embedchat_litellm", Glue.source)

    /// Every module, the Router's included.
    package static var sources: [(name: String, source: String)] {
        beforeGlue + [glue] + [
            (RouterGroupFacts.module.name, RouterGroupFacts.source),
            (RouterCallPath.module.name, RouterCallPath.source),
            (RouterGlue.module.name, RouterGlue.source),
        ]
    }

    /// Loads the modules that load before the glue, then the glue, and returns the glue.
    static func loadClient(_ gil: borrowing GIL) throws(PythonError) -> PyRef {
        for module in beforeGlue { _ = try Interpreter.loadModule(named: module.name, source: module.source, gil) }
        return try Interpreter.loadModule(named: glue.name, source: glue.source, gil)
    }
}

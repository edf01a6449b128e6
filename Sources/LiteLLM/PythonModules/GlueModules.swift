/// The Python the client and the Router load from the binary, as (module name, source) in the order they load: what a
/// script outside the process needs to run the same Python over the same litellm (`embedchat-bench glue-modules`,
/// which scripts/router-instructions.py runs under valgrind; valgrind cannot run the Swift binary itself).
package enum GlueModules {
    package static var sources: [(name: String, source: String)] {
        [
            ("_embedchat_images", ImageFetch.source),
            (ConnectionPoolCut.moduleName, ConnectionPoolCut.source),
            (InlineCompletionCut.moduleName, InlineCompletionCut.source),
            (RequestWriteCut.moduleName, RequestWriteCut.source),
            (ClientKeyCut.moduleName, ClientKeyCut.source),
            (ParameterSplitCut.moduleName, ParameterSplitCut.source),
            ("_embedchat_litellm", Glue.source),
            (RouterGroupFacts.module.name, RouterGroupFacts.source),
            (RouterCallPath.module.name, RouterCallPath.source),
            (RouterGlue.module.name, RouterGlue.source),
        ]
    }
}

import ArgumentParser
import Foundation
import LiteLLM

/// `--python-path` and `--python-home`: where Python and litellm are. Every command that starts them takes this one
/// group (`ask`, `chat` and `batch` through ``ModelOptions``; `embed`, `models` and `doctor` directly), so the
/// options read and resolve the same way everywhere.
struct PythonOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Colon-separated folders holding litellm and its packages (default: $EMBEDCHAT_PYTHONPATH, else /opt/python).",
        valueName: "paths"))
    var pythonPath: String?

    @Option(name: .long, help: ArgumentHelp(
        "The Python home holding lib/python3.11 (default: $EMBEDCHAT_PYTHONHOME, else found from libpython).",
        valueName: "dir"))
    var pythonHome: String?

    /// The interpreter to start: the environment's configuration with these options over it.
    func interpreter(environment: [String: String] = ProcessInfo.processInfo.environment) -> PythonSettings {
        var interpreter = PythonSettings.fromEnvironment(environment)
        if let pythonPath {
            interpreter.packagePaths = pythonPath.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        if let pythonHome { interpreter.home = pythonHome }
        return interpreter
    }
}

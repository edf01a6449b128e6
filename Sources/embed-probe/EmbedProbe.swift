import Foundation
import PythonEmbed

/// Starts the interpreter from the environment (EMBEDCHAT_PYTHONPATH, EMBEDCHAT_PYTHONHOME, PYTHONMALLOC), imports
/// the modules named on the command line, runs `--code CODE` if given, and prints one JSON object to stdout.
/// Exit status: 0 on success, 2 when start-up failed, 3 when an import or the code failed.
@main
struct EmbedProbe {
    static func main() {
        var modules: [String] = []
        var code: String?
        var arguments = CommandLine.arguments.dropFirst()
        while let argument = arguments.popFirst() {
            if argument == "--code" { code = arguments.popFirst() } else { modules.append(argument) }
        }
        let startup: InterpreterStartup
        do {
            // embedchat's settings (LiteLLM's `InterpreterEnvironment.embedchat`; this probe links PythonEmbed alone).
            startup = try Interpreter.start(.fromEnvironment(InterpreterEnvironment(
                packagePathVariable: "EMBEDCHAT_PYTHONPATH", homeVariable: "EMBEDCHAT_PYTHONHOME",
                defaultLocation: "/opt/python", packageSetup: "run scripts/setup.sh to make .python/")))
        } catch {
            emit(["ok": false, "stage": "start", "error": .string(error.description)])
            exit(2)
        }
        var report: [String: PythonValue] = [
            "ok": true, "home": .string(startup.home), "sys_path": .array(startup.searchPath.map { .string($0) }),
            "version": .string(startup.pythonVersion), "library": startup.libraryPath.map { PythonValue.string($0) } ?? PythonValue.none,
        ]
        do {
            try Interpreter.withGIL { gil in
                for module in modules {
                    let imported = try Interpreter.importModule(module, gil)
                    report["module:\(module)"] = (try? imported.attribute("__file__", gil).toValue(gil)) ?? PythonValue.none
                }
                if let code { report["result"] = try Interpreter.run(code, gil).toValue(gil) }
            }
        } catch {
            report["ok"] = false
            report["stage"] = "run"
            report["error"] = .string("\(error)")
            emit(report)
            exit(3)
        }
        emit(report)
    }

    static func emit(_ report: [String: PythonValue]) {
        let object = foundationObject(.object(report))
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    /// `value` as the Foundation objects `JSONSerialization` writes; bytes (which no report holds) as base64.
    static func foundationObject(_ value: PythonValue) -> Any {
        switch value {
        case .none: NSNull()
        case .bool(let value): value
        case .int(let value): value
        case .double(let value): value
        case .string(let value): value
        case .bytes(let value): Data(value).base64EncodedString()
        case .array(let values): values.map(foundationObject)
        case .object(let members): members.mapValues(foundationObject)
        }
    }
}

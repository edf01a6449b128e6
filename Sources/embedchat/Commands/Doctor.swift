import ArgumentParser
import Foundation
import LiteLLM

extension EmbedChat {
    /// Where Python and litellm were found, how long they took, and which provider keys are set.
    struct Doctor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show where Python and litellm were found, start-up times, and which provider keys are set.",
            discussion: """
            Starts the embedded interpreter and imports litellm exactly as the other commands do, then reports \
            the Python home and version, libpython, sys.path, the litellm version, how long start-up and the \
            import took, the default model, and which provider key variables are set (names only, never values). \
            It exits with 3 when Python or litellm cannot start, after printing what it looked for.

            \(CLIExit.helpText)

            Examples:
              embedchat doctor
              embedchat doctor --json | jq .litellm_version
              EMBEDCHAT_PYTHONPATH=$PWD/.python embedchat doctor
            """
        )

        @Option(name: .long, help: ArgumentHelp("Colon-separated package folders (default: $EMBEDCHAT_PYTHONPATH).", valueName: "paths"))
        var pythonPath: String?

        @Option(name: .long, help: ArgumentHelp("The Python home (default: $EMBEDCHAT_PYTHONHOME).", valueName: "dir"))
        var pythonHome: String?

        @Flag(name: .long, help: "Print the report as one JSON object.")
        var json = false

        struct Report: Encodable {
            var ok: Bool
            var error: String?
            var packagePaths: [String]
            var pythonHome: String?
            var pythonVersion: String?
            var libpython: String?
            var sysPath: [String]?
            var litellmVersion: String?
            var interpreterSeconds: Double?
            var importSeconds: Double?
            var startupSeconds: Double?
            var defaultModel: String
            var defaultModelSource: String
            var providerKeysSet: [String]

            enum CodingKeys: String, CodingKey {
                case ok, error
                case packagePaths = "package_paths"
                case pythonHome = "python_home"
                case pythonVersion = "python_version"
                case libpython
                case sysPath = "sys_path"
                case litellmVersion = "litellm_version"
                case interpreterSeconds = "interpreter_seconds"
                case importSeconds = "import_seconds"
                case startupSeconds = "startup_seconds"
                case defaultModel = "default_model"
                case defaultModelSource = "default_model_source"
                case providerKeysSet = "provider_keys_set"
            }
        }

        mutating func run() async throws {
            let arguments = (pythonPath.map { ["--python-path", $0] } ?? []) + (pythonHome.map { ["--python-home", $0] } ?? [])
            let settings = try ModelOptions.parse(arguments).resolved()
            let environment = ProcessInfo.processInfo.environment
            let fromEnvironment = environment["EMBEDCHAT_DEFAULT_MODEL"].map { !$0.isEmpty } ?? false
            var report = Report(
                ok: false, packagePaths: settings.interpreter.packagePaths, pythonHome: settings.interpreter.home,
                defaultModel: settings.model,
                defaultModelSource: fromEnvironment ? "EMBEDCHAT_DEFAULT_MODEL" : "built-in default",
                providerKeysSet: ProviderKeys.setNames(in: environment))
            var failure: CLIFailure?
            do {
                let startup = try await settings.startClient().startup
                report.ok = true
                report.pythonHome = startup.interpreter.home
                report.pythonVersion = startup.interpreter.pythonVersion.split(separator: " ").first.map(String.init)
                report.libpython = startup.interpreter.libraryPath
                report.sysPath = startup.interpreter.searchPath
                report.litellmVersion = startup.litellmVersion
                report.interpreterSeconds = startup.interpreter.duration
                report.importSeconds = startup.importSeconds
                report.startupSeconds = startup.totalSeconds
            } catch let error as CLIFailure {
                failure = error
                report.error = error.message
            }
            if json {
                Terminal.out(JSONLines.encode(report) + "\n")
            } else {
                Terminal.out(Self.text(report))
            }
            if let failure { throw failure }
        }

        static func text(_ report: Report) -> String {
            func seconds(_ value: Double?) -> String { value.map { String(format: "%.2f s", $0) } ?? "-" }
            var lines = ["embedchat doctor"]
            lines.append("  status:          " + (report.ok ? "ok, litellm imported" : "FAILED: \(report.error ?? "")"))
            lines.append("  package paths:   " + report.packagePaths.joined(separator: ":"))
            lines.append("  python home:     " + (report.pythonHome ?? "(default: found from libpython)"))
            if let version = report.pythonVersion { lines.append("  python version:  \(version)") }
            if let library = report.libpython { lines.append("  libpython:       \(library)") }
            if let path = report.sysPath {
                lines.append("  sys.path:")
                lines += path.map { "    \($0)" }
            }
            if let version = report.litellmVersion { lines.append("  litellm:         \(version)") }
            if report.ok {
                lines.append("  start-up:        \(seconds(report.startupSeconds)) (interpreter \(seconds(report.interpreterSeconds)), "
                             + "import litellm \(seconds(report.importSeconds)))")
            }
            lines.append("  default model:   \(report.defaultModel) (\(report.defaultModelSource))")
            lines.append("  provider keys:   " + (report.providerKeysSet.isEmpty ? "none set"
                : report.providerKeysSet.joined(separator: ", ") + " (set; values not shown)"))
            return lines.joined(separator: "\n") + "\n"
        }
    }
}

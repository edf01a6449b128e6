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

        @OptionGroup var python: PythonOptions

        @Flag(name: .long, help: "Print the report as one JSON object.")
        var json = false

        mutating func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let config = try CLIFailure.loadConfiguration(environment: environment)
            let interpreter = python.interpreter(environment: environment)
            let fromEnvironment = environment["EMBEDCHAT_DEFAULT_MODEL"].map { !$0.isEmpty } ?? false
            var report = Report(
                ok: false, packagePaths: interpreter.packagePaths, pythonHome: interpreter.home,
                defaultModel: ModelOptions.model(nil, offline: false, environment: environment, config: config),
                defaultModelSource: fromEnvironment ? "EMBEDCHAT_DEFAULT_MODEL" : "built-in default",
                providerKeysSet: ProviderKeys.setNames(in: environment))
            var failure: CLIFailure?
            do {
                let startup = try await ClientStartup.start(interpreter).startup
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
    }
}

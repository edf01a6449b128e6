import LiteLLM

/// Starting Python and litellm (seconds), the one way every command does it: with a spinner on stderr when it is a
/// terminal, and a start-up failure reported as a setup error.
enum ClientStartup {
    /// Starts the interpreter `interpreter` describes and imports litellm.
    /// - Throws: ``CLIFailure`` with exit code 3 when Python or litellm cannot start.
    static func start(_ interpreter: PythonSettings) async throws -> LiteLLMClient {
        let spinner = Spinner("Starting Python and litellm…")
        do {
            let client = try await LiteLLMClient.start(interpreter)
            await spinner.stop()
            return client
        } catch let error as LiteLLMError {
            await spinner.stop()
            let hint = error.message.contains("EMBEDCHAT_PYTHONPATH") ? "`embedchat doctor` shows where Python looked"
                : CLIFailure.setupHint
            throw CLIFailure("setup failed: \(error.message)", hint: hint, exitCode: CLIExit.setup)
        } catch {
            await spinner.stop()
            throw CLIFailure("setup failed: \(error)", hint: CLIFailure.setupHint, exitCode: CLIExit.setup)
        }
    }
}

extension ModelSettings {
    /// Starts Python and imports litellm for these settings (``ClientStartup/start(_:)``).
    /// - Throws: ``CLIFailure`` with exit code 3 when Python or litellm cannot start.
    func startClient() async throws -> LiteLLMClient {
        try await ClientStartup.start(interpreter)
    }
}

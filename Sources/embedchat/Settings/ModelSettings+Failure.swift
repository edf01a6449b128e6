import LiteLLM

extension ModelSettings {
    /// The CLI's report of `error`: a one-line message with a hint and its exit code.
    func failure(_ error: any Error, model: String? = nil) -> any Error {
        switch error {
        case let error as LiteLLMError:
            return CLIFailure(error, model: model ?? self.model, apiKeyEnvironment: apiKeyEnvironment)
        case is CancellationError, is CLIFailure:
            return error
        default:
            return CLIFailure("\(error)", exitCode: CLIExit.provider)
        }
    }
}

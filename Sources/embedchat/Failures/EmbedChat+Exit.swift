import ArgumentParser
import Foundation

extension EmbedChat {
    /// Ends the process for `error` with the exit codes of ``CLIExit``: a ``CLIFailure`` as its one line and code, a
    /// usage error as ArgumentParser's message with 2 (not ArgumentParser's 64), Ctrl-C as 130, anything else as
    /// ArgumentParser reports it.
    static func exit(reporting error: any Error) -> Never {
        switch error {
        case let failure as CLIFailure:
            Terminal.error(failure.line)
            Foundation.exit(failure.exitCode)
        case let code as ExitCode:
            Foundation.exit(code.rawValue)
        case is CancellationError:
            if Terminal.stderrIsTTY { Terminal.err("\n") }
            Foundation.exit(CLIExit.interrupted)
        default:
            if exitCode(for: error) == .validationFailure {
                Terminal.error(fullMessage(for: error))
                Foundation.exit(CLIExit.usage)
            }
            exit(withError: error)
        }
    }
}

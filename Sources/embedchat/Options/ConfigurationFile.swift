import CLIConfig
import Foundation

extension CLIFailure {
    /// config.toml, or a usage failure (exit code 2) saying what is wrong with it.
    static func loadConfiguration(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> CLIConfiguration {
        do {
            return try CLIConfiguration.load(from: XDGPaths(environment: environment).configFile)
        } catch {
            throw CLIFailure.usage("\(error)", hint: "fix or remove the file")
        }
    }
}

import Foundation
import PythonEmbed

/// Shared set-up and statistics for the benchmarks.
enum Bench {
    static func configuration() -> InterpreterConfiguration {
        var configuration = InterpreterConfiguration.fromEnvironment()
        if ProcessInfo.processInfo.environment["EMBEDCHAT_PYTHONPATH"] == nil {
            configuration.packagePaths = [FileManager.default.currentDirectoryPath + "/.python"]
        }
        return configuration
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
    }

    /// Seconds a closure takes.
    static func time(_ body: () throws -> Void) rethrows -> Double {
        let began = ContinuousClock.now
        try body()
        return (ContinuousClock.now - began).seconds
    }

    static func time(_ body: () async throws -> Void) async rethrows -> Double {
        let began = ContinuousClock.now
        try await body()
        return (ContinuousClock.now - began).seconds
    }

    static func row(_ label: String, _ value: Double, unit: String = "µs") -> String {
        label.padding(toLength: 58, withPad: " ", startingAt: 0) + String(format: "%10.2f %@", value, unit)
    }

    static func ratio(_ label: String, _ value: Double) -> String {
        label.padding(toLength: 58, withPad: " ", startingAt: 0) + String(format: "%10.3f ×", value)
    }
}


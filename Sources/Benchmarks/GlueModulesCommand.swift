import ArgumentParser
import Foundation
import LiteLLM

/// Writes the Python the binary runs, one `<module>.py` a module, for a measurement outside the process:
/// scripts/router-instructions.py runs it under valgrind, which cannot run the Swift binary itself.
struct GlueModulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glue-modules",
        abstract: "Write the Python modules compiled into the binary to a folder (for scripts/router-instructions.py).")

    @Option(help: "The folder to write them to (made if missing).") var out: String

    func run() throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for (name, source) in GlueModules.sources {
            try Data(source.utf8).write(to: URL(fileURLWithPath: out).appendingPathComponent("\(name).py"))
        }
        print("wrote \(GlueModules.sources.count) modules to \(out)")
    }
}

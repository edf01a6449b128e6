import Foundation
import Testing

extension CLIMemorySuites {
    /// `embedchat --generate-completion-script bash|zsh|fish`: scripts for every shell, and the bash one completes
    /// subcommands and options when bash runs it.
    @Suite("embedchat shell completions")
    struct CLICompletionTests {
        /// Runs bash's completion function of `script` on `words` (the last one being completed) and returns the candidates.
        static func complete(_ script: String, _ words: [String]) throws -> [String] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            let line = words.joined(separator: " ")
            process.arguments = ["-c", """
                source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="\(line)"; COMP_POINT=${#COMP_LINE}
                _embedchat embedchat "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"; printf '%s\\n' "${COMPREPLY[@]}"
                """, "bash", script] + words
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        }

        @Test func everyShellGetsAScriptAndBashCompletesSubcommandsAndTheirOptions() async throws {
            for shell in ["zsh", "fish"] {
                let result = try await CLIHarness.run(["--generate-completion-script", shell])
                #expect(result.status == 0 && result.stdout.contains("logs") && result.stdout.contains("no-log"), "\(shell): \(result)")
            }
            let bash = try await CLIHarness.run(["--generate-completion-script", "bash"])
            #expect(bash.status == 0, "\(bash)")
            let script = try CLIHarness.temporaryFile(bash.stdout, suffix: ".bash")
            defer { try? FileManager.default.removeItem(atPath: script) }
            #expect(try Self.complete(script, ["embedchat", "lo"]) == ["logs"])
            #expect(Set(try Self.complete(script, ["embedchat", "logs", "list", "--c"])) == ["--cid", "--cost"])
            #expect(try Self.complete(script, ["embedchat", "ask", "--no-l"]) == ["--no-log"])
            #expect(Set(try Self.complete(script, ["embedchat", "a"])).isSuperset(of: ["ask", "aliases"]))
        }
    }
}

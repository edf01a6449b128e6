import Foundation
import Testing

/// The option groups every command shares: `--python-path`/`--python-home` (every command that starts Python) and
/// `--api-base`/`--api-key-env`/`--timeout` (every command that calls a provider) are read and checked by one group
/// each, so a command answers them exactly as the others do.
@Suite("embedchat shared options")
struct CLISharedOptionsTests {
    /// `models list` took only `--python-path` before the groups were shared; `doctor` parsed its own copy.
    @Test func everyCommandThatStartsPythonTakesPythonHomeAndRefusesAWrongOneAlike() async throws {
        let home = "/nonexistent/embedchat-python-home"
        let commands: [(arguments: [String], stdin: String?)] = [
            (["--offline", "--python-home", home, "hi"], nil),
            (["batch", "-", "--offline", "--python-home", home], "\"hi\"\n"),
            (["embed", "--python-home", home, "hi"], nil),
            (["models", "list", "--python-home", home], nil),
            (["doctor", "--python-home", home], nil),
        ]
        var lines: [String] = []
        for command in commands {
            let result = try await CLIHarness.run(command.arguments, stdin: command.stdin)
            #expect(result.status == 3, "\(command.arguments): \(result)")
            let line = String(result.stderrLines.last ?? "")
            #expect(line.hasPrefix("embedchat: setup failed") && line.contains(home), "\(command.arguments): \(result)")
            lines.append(line)
        }
        #expect(Set(lines).count == 1, "one setup error for every command: \(lines)")

        // doctor still reports what it looked for before failing.
        let doctor = try await CLIHarness.run(["doctor", "--json", "--python-home", home])
        let report = try #require(CLIHarness.json(doctor.stdout), "\(doctor)")
        #expect(report["ok"] as? Bool == false && report["python_home"] as? String == home, "\(doctor)")
    }

    @Test func embedAndAskRefuseABadTimeoutOrUnsetKeyVariableWithTheSameError() async throws {
        for bad in [["--timeout", "0"], ["--api-key-env", "CLI_SHARED_UNSET_VARIABLE"]] {
            let ask = try await CLIHarness.run(bad + ["hi"])
            let embed = try await CLIHarness.run(["embed"] + bad + ["hi"])
            for result in [ask, embed] {
                #expect(result.status == 2 && result.stdout.isEmpty, "\(bad): \(result)")
            }
            let askError = ask.stderrLines.first { $0.hasPrefix("Error:") }
            #expect(askError != nil && askError == embed.stderrLines.first { $0.hasPrefix("Error:") }, "\(bad): \(ask)\n\(embed)")
            #expect(askError?.contains(bad[0]) == true, "\(bad): \(ask)")
        }
    }
}

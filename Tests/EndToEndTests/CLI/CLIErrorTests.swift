import Foundation
import ProviderFakes
import Testing

/// Every error class: one line on stderr with a hint, nothing on stdout, the documented exit code, no key shown.
@Suite("embedchat errors")
struct CLIErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let model: String
        var extra: [String] = []
        let message: String
        let hint: String
        var keyVariable = "OPENAI_API_KEY"
        var testDescription: String { model }
    }

    static let cases: [Case] = [
        Case(model: "openai/status-401", message: "authentication failed (401)", hint: "set OPENAI_API_KEY"),
        Case(model: "anthropic/status-401", message: "authentication failed (401)", hint: "set ANTHROPIC_API_KEY",
             keyVariable: "ANTHROPIC_API_KEY"),
        Case(model: "openai/status-403", message: "permission denied (403)", hint: "no access"),
        Case(model: "openai/status-404", message: "not found (404)", hint: "check the model name"),
        Case(model: "openai/status-429", message: "rate limited (429)", hint: "retry"),
        Case(model: "openai/status-500", message: "provider error (500)", hint: "retry later"),
        Case(model: "openai/status-503", message: "provider unavailable (503)", hint: "retry later"),
        // The provider would answer after 10 minutes, longer than the harness lets a run last: only --timeout ends it.
        Case(model: "openai/delay-600000", extra: ["--timeout", "1"], message: "timed out", hint: "raise --timeout"),
    ]

    @Test(arguments: cases)
    func providerErrorIsOneLineWithAHintAndExitCode1(_ test: Case) async throws {
        try await FakeProviderServer.withServer { server in
            let base = test.model.hasPrefix("anthropic/") ? server.anthropicBase : server.openAIBase
            let result = try await CLIHarness.run(["--api-base", base, "-m", test.model] + test.extra + ["hello"],
                                                  environment: [test.keyVariable: CLIHarness.fakeKey])
            #expect(result.status == 1, "\(result)")
            #expect(result.stdout.isEmpty, "\(result)")
            #expect(result.stderrLines.count == 1, "one line: \(result)")
            let line = String(result.stderrLines.first ?? "")
            #expect(line.hasPrefix("embedchat: \(test.message)"), "\(line)")
            #expect(line.contains("(hint: ") && line.contains(test.hint), "\(line)")
            #expect(!result.stderr.contains(CLIHarness.fakeKeySecretPart), "the key never appears")
            if test.model.contains("delay") {
                // Ended by its own --timeout (status 1 and the message above), not killed by the harness: shown by what
                // ended it, not by a wall-clock bound that a busy machine's litellm import alone could pass.
                #expect(!result.timedOut, "\(result)")
                #expect(!line.contains("600000 ms"))
            }
        }
    }

    @Test func usageErrorsExitWith2AndSetupErrorsWith3() async throws {
        async let noPrompt = CLIHarness.run([])
        async let unknownOption = CLIHarness.run(["--no-such-option", "hi"])
        async let badTemperature = CLIHarness.run(["--temperature", "5", "hi"])
        async let unsetKeyVariable = CLIHarness.run(["--api-key-env", "CLI_UNSET_VARIABLE", "hi"])
        async let missingBatchFile = CLIHarness.run(["batch", "/nonexistent/requests.jsonl"])
        async let missingPackages = CLIHarness.run(["--python-path", "/nonexistent/python-packages", "hi"])

        let usage = [try await noPrompt, try await unknownOption, try await badTemperature, try await unsetKeyVariable,
                     try await missingBatchFile]
        for result in usage {
            #expect(result.status == 2, "\(result)")
            #expect(result.stdout.isEmpty, "\(result)")
            #expect(!result.stderr.isEmpty)
        }
        #expect(usage[0].stderrLines.count == 1 && usage[0].stderr.contains("no prompt"), "\(usage[0])")
        #expect(usage[3].stderr.contains("CLI_UNSET_VARIABLE"))

        let setup = try await missingPackages
        #expect(setup.status == 3, "\(setup)")
        #expect(setup.stdout.isEmpty)
        #expect(setup.stderrLines.count == 1, "\(setup)")
        #expect(setup.stderr.hasPrefix("embedchat: setup failed") && setup.stderr.contains("/nonexistent/python-packages"))
    }
}

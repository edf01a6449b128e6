import Foundation
import Testing

/// `embedchat doctor`: where Python and litellm were found, timings, and key names without values.
@Suite("embedchat doctor")
struct CLIDoctorTests {
    @Test func reportsPythonLitellmTimingsAndKeyNamesButNeverValues() async throws {
        let environment = ["OPENAI_API_KEY": CLIHarness.fakeKey, "ANTHROPIC_API_KEY": "sk-ant-\(CLIHarness.fakeKeySecretPart)",
                           "EMBEDCHAT_DEFAULT_MODEL": "openai/from-environment"]
        async let json = CLIHarness.run(["doctor", "--json"], environment: environment)
        async let text = CLIHarness.run(["doctor"], environment: environment)

        let result = try await json
        #expect(result.status == 0, "\(result)")
        let report = try #require(CLIHarness.json(result.stdout), "\(result)")
        #expect(report["ok"] as? Bool == true)
        #expect(report["litellm_version"] as? String == "1.78.7")
        #expect((report["python_version"] as? String)?.hasPrefix("3.11") == true)
        #expect((report["python_home"] as? String)?.isEmpty == false)
        let sysPath = try #require(report["sys_path"] as? [String])
        #expect(sysPath.contains(CLIHarness.packagePath))
        #expect(sysPath.contains { $0.hasSuffix("python3.11") }, "the standard library: \(sysPath)")
        #expect((report["import_seconds"] as? Double).map { $0 > 0 } == true)
        #expect((report["startup_seconds"] as? Double).map { $0 >= (report["import_seconds"] as? Double ?? 0) } == true)
        #expect(report["default_model"] as? String == "openai/from-environment")
        let keys = try #require(report["provider_keys_set"] as? [String])
        #expect(keys.contains("OPENAI_API_KEY") && keys.contains("ANTHROPIC_API_KEY"))
        #expect(!keys.contains("AWS_SECRET_ACCESS_KEY"))

        let human = try await text
        #expect(human.status == 0, "\(human)")
        for label in ["python home:", "sys.path:", "litellm:", "1.78.7", "start-up:", "provider keys:", "OPENAI_API_KEY"] {
            #expect(human.stdout.contains(label), "doctor lacks \(label): \(human)")
        }
        for output in [result.stdout, result.stderr, human.stdout, human.stderr] {
            #expect(!output.contains(CLIHarness.fakeKeySecretPart), "a key value was printed")
        }
    }
}

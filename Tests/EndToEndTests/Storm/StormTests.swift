import Foundation
import TestSupport
import Testing

/// The storm's short version (`embedchat-bench storm`, 300 requests at up to 32 connections) against the built
/// `bootstrap`, locally and through the fake Runtime API (4 pollers in 2 worker processes): the process stays up, nothing hangs, no answer is wrong, no
/// upstream request outlives its client, file descriptors and RSS come back, no key or prompt is logged.
@Suite("storm, short version")
struct StormTests {
    @Test func theServersSurviveAShortStorm() async throws {
        let bench = URL(fileURLWithPath: try bootstrapExecutablePath()).deletingLastPathComponent().appendingPathComponent("embedchat-bench").path
        try #require(FileManager.default.isExecutableFile(atPath: bench), "no embedchat-bench beside bootstrap; run swift build first")
        // The storm starts one bootstrap after the other: one start permit covers it.
        let result = try await ChildProcessGate.shared.withPermit {
            // The Lambda path with 4 pollers shared by 2 worker processes: the storm meets every layer of it.
            try await runCommand(bench, ["storm", "--requests", "300", "--connections", "32", "--target", "both",
                                         "--concurrency", "4", "--workers", "2"],
                                 environment: ["EMBEDCHAT_PYTHONPATH": bootstrapPythonPath], timeout: .seconds(1200))
        }
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("storm: PASS"), "\(result.output)")
        let reports = result.output.components(separatedBy: "storm against ").dropFirst()
        #expect(reports.count == 2, "\(result.output)")
        #expect(reports.last?.contains("AWS_LAMBDA_MAX_CONCURRENCY=4, EMBEDCHAT_WORKERS=2") == true, "\(result.output)")
        #expect(reports.last?.contains("processes: 3") == true, "\(result.output)")
        for report in reports {
            #expect(report.contains("0 wrong, 0 hung"), "\(report)")
            #expect(report.contains("0 still in flight at the end"), "\(report)")
            #expect(report.contains(", 0 holding a key or a prompt"), "\(report)")
        }
    }
}

import ArgumentParser
import ChatLambda
import Foundation
import LiteLLM
import Logging
import ProviderFakes

/// The gateway's own per-request cost, in-process through the chat function: a model with deployments (litellm's
/// Router) against a plain entry, and an HTTP request with a caller key and limits against one without.
struct GatewayBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Per-request cost of the Router path vs a plain entry, and of the caller-key and limit checks.",
        discussion: """
            Each round times every pair (in rotating order) as four adjacent blocks: reference, subject, subject,
            reference (subject first every other round), and the figures are medians over the rounds: each side per
            request, the ratio of medians, the median per-round ratio with the middle 80% of the rounds' ratios and a
            95% confidence interval of that median, and the difference in µs. The two Router pairs also say whether
            that interval lies within the issue's 5%. Two upstreams, both sides of each with the same settings and
            the same upstream: litellm's mock_response first (no socket: the smallest denominator, so the harshest
            ratio) and a loopback OpenAI-compatible fake (real HTTP through litellm).
            """)

    @Option(help: "Requests per block.") var block = 20
    @Option(help: "Rounds (the median is reported).") var rounds = 60
    @Option(help: "Which pairs to time: all, router (the two Router pairs, for a longer run on the 5% goal) or keys.")
    var pairs: PairSelection = .all

    @Option(help: """
        Run the benchmark this many times, each in a process of its own, and judge the 5% goal across the runs: one \
        process's interval covers the spread between its rounds, not between runs.
        """)
    var runs = 1
    @Flag(help: .hidden) var machineReadable = false  // a child of `--runs`: also prints each pair's figures as a line

    enum PairSelection: String, ExpressibleByArgument { case all, router, keys }

    /// The issue's goal for the Router path: within 5% of a plain entry. The key checks have no goal of their own.
    static let routerGoal = 1.05

    func run() async throws {
        if runs > 1 {
            let figures = try SeparateRuns.run(count: runs, arguments: [
                "gateway", "--block", String(block), "--rounds", String(rounds), "--pairs", pairs.rawValue, "--machine-readable",
            ])
            print("Across \(runs) separate runs:")
            for line in SeparateRuns.summary(figures) { print(line) }
            return
        }
        let client = try await LiteLLMClient.start(Bench.configuration())
        let provider = try await FakeProviderServer.start()
        defer { Task { try? await provider.shutdown() } }
        let key = "sk-bench-caller-0123456789"
        var callers: [String] = (0..<99).map { #""other-\#($0)": {"key_sha256": "\#(String(format: "%064x", $0 + 1))"}"# }
        callers.append(#""bench": {"key_sha256": "\#(Self.sha256Hex(key))", "rpm": 1000000000, "tpm": 1000000000}"#)
        let base = provider.openAIBase
        let models = """
            {"plain": {"model": "openai/echo", "api_base": "\(base)", "api_key": "sk-fake", "num_retries": 0},
             "routed": {"deployments": [{"model": "openai/echo", "api_base": "\(base)", "api_key": "sk-fake"},
                                        {"model": "openai/echo", "api_base": "\(base)", "api_key": "sk-fake"}]},
             "mock": {"model": "openai/echo", "mock_response": "hello world"},
             "mock-routed": {"deployments": [{"model": "openai/echo", "mock_response": "hello world"},
                                             {"model": "openai/echo", "mock_response": "hello world"}]}}
            """
        let quiet = MetricsSink { _ in }  // the line is still built, as in production; only the write is skipped
        let open = ChatService(client: client, configuration: try ChatConfiguration.fromEnvironment(["EMBEDCHAT_MODELS": models]),
                               metrics: quiet)
        let keyed = ChatService(client: client, configuration: try ChatConfiguration.fromEnvironment([
            "EMBEDCHAT_MODELS": models, "EMBEDCHAT_CALLERS": "{" + callers.joined(separator: ",") + "}",
        ]), metrics: quiet)

        func body(_ model: String) -> [UInt8] { Array(#"{"model":"\#(model)","messages":[{"role":"user","content":"hello there"}]}"#.utf8) }
        func direct(_ service: ChatService, _ model: String) -> () async throws -> Void {
            let body = body(model)
            return {
                guard case .response = await service.invoke(body: body, streaming: false, deadline: nil, logger: Self.logger) else {
                    throw ValidationError("a benchmark request failed")
                }
            }
        }
        func http(_ service: ChatService, _ model: String, key: String?) -> () async throws -> Void {
            let request = ChatHTTPRequest(method: "POST", path: "/v1/chat/completions",
                                          headers: key.map { ["authorization": "Bearer \($0)"] } ?? [:], body: body(model))
            return {
                guard case .response = await service.respond(to: request, deadline: nil, logger: Self.logger) else {
                    throw ValidationError("a benchmark request failed")
                }
            }
        }
        func modelList(_ service: ChatService, key: String?) -> () async throws -> Void {
            let request = ChatHTTPRequest(method: "GET", path: "/v1/models", headers: key.map { ["authorization": "Bearer \($0)"] } ?? [:])
            return {
                for _ in 0..<25 {
                    guard case .response = await service.respond(to: request, deadline: nil, logger: Self.logger) else {
                        throw ValidationError("a benchmark request failed")
                    }
                }
            }
        }
        let routerPairs = [
            PairedBlocks(reference: "plain entry, mock_response", subject: "model with 2 deployments (Router), mock_response",
                         requests: block, Self.repeated(block, direct(open, "mock")), Self.repeated(block, direct(open, "mock-routed"))),
            PairedBlocks(reference: "plain entry, loopback provider", subject: "model with 2 deployments (Router), loopback",
                         requests: block, Self.repeated(block, direct(open, "plain")), Self.repeated(block, direct(open, "routed"))),
        ]
        let keyPairs = [
            PairedBlocks(reference: "HTTP, no callers configured (mock_response)", subject: "HTTP, caller key of 100 callers, rpm/tpm limits",
                         requests: block, Self.repeated(block, http(open, "mock", key: nil)), Self.repeated(block, http(keyed, "mock", key: key))),
            // GET /v1/models calls no provider, so the key check stands out of the noise.
            PairedBlocks(reference: "GET /v1/models, no callers configured", subject: "GET /v1/models, caller key checked against 100 callers",
                         requests: 25, modelList(open, key: nil), modelList(keyed, key: key)),
        ]
        let timedRouterPairs = self.pairs == .keys ? [] : routerPairs  // first in `pairs`
        var pairs = timedRouterPairs + (self.pairs == .router ? [] : keyPairs)
        for pair in pairs { for _ in 0..<3 { try await pair.runReference(); try await pair.runSubject() } }  // warm every path (the Router is made here)

        for round in 0..<rounds {
            for offset in 0..<pairs.count { try await pairs[(offset + round) % pairs.count].measureRound(round) }
        }
        print("Gateway per-request cost, in-process through the chat function (\(rounds) rounds; each round times every pair's")
        print("sides in adjacent blocks of \(block) requests, reference-subject-subject-reference; figures are medians over rounds)")
        for (index, pair) in pairs.enumerated() {
            let goal = index < timedRouterPairs.count ? Self.routerGoal : nil
            for line in pair.report(goal: goal) { print(line) }
            if machineReadable { print(pair.figures(index: index, goal: goal).line) }
        }
    }

    /// `count` calls of `side`, one after another.
    static func repeated(_ count: Int, _ side: @escaping () async throws -> Void) -> () async throws -> Void {
        { for _ in 0..<count { try await side() } }
    }

    static let logger = {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        return logger
    }()

    static func sha256Hex(_ text: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try? process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try? input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: data, as: UTF8.self).prefix(64))
    }
}

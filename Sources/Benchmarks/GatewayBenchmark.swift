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
            Each round runs a block of requests on every side, in rotating order, and the figures are medians over the
            rounds (with the middle half after them). Two upstreams, both sides of each with the same settings and
            the same upstream: litellm's mock_response first (no socket: the smallest denominator, so the harshest
            ratio, the headline) and a loopback OpenAI-compatible fake (real HTTP through litellm).
            """)

    @Option(help: "Requests per block.") var block = 20
    @Option(help: "Rounds (the median is reported).") var rounds = 40

    func run() async throws {
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
        let sides: [(String, () async throws -> Void)] = [
            ("models", modelList(open, key: nil)), ("models-keyed", modelList(keyed, key: key)),
            ("plain", direct(open, "plain")), ("routed", direct(open, "routed")),
            ("mock", direct(open, "mock")), ("mock-routed", direct(open, "mock-routed")),
            ("http", http(open, "mock", key: nil)), ("http-keyed", http(keyed, "mock", key: key)),
        ]
        for (_, side) in sides { for _ in 0..<50 { try await side() } }  // warm every path (the Router is made here)

        var perCall: [String: [Double]] = [:]
        for round in 0..<rounds {
            for offset in 0..<sides.count {
                let (name, side) = sides[(offset + round) % sides.count]
                let seconds = try await Bench.time { for _ in 0..<block { try await side() } }
                perCall[name, default: []].append(seconds / Double(block) * 1e6)
            }
        }
        func ratios(_ a: String, _ b: String) -> [Double] { zip(perCall[a]!, perCall[b]!).map { $0 / $1 } }
        func differences(_ a: String, _ b: String) -> [Double] { zip(perCall[a]!, perCall[b]!).map { $0 - $1 } }

        print("Gateway per-request cost, in-process through the chat function (\(rounds) rounds of \(block), medians)")
        print(Bench.row("plain entry, mock_response", Bench.median(perCall["mock"]!)))
        print(Bench.row("model with 2 deployments (Router), mock_response", Bench.median(perCall["mock-routed"]!)))
        print(Bench.ratio("  Router / plain", Bench.median(ratios("mock-routed", "mock"))) + Bench.spread(ratios("mock-routed", "mock")))
        print(Bench.row("  Router - plain (difference)", Bench.median(differences("mock-routed", "mock")))
              + Bench.spread(differences("mock-routed", "mock")))
        print(Bench.row("plain entry, loopback provider", Bench.median(perCall["plain"]!)))
        print(Bench.row("model with 2 deployments (Router), loopback", Bench.median(perCall["routed"]!)))
        print(Bench.ratio("  Router / plain", Bench.median(ratios("routed", "plain"))) + Bench.spread(ratios("routed", "plain")))
        print(Bench.row("  Router - plain (difference)", Bench.median(differences("routed", "plain"))) + Bench.spread(differences("routed", "plain")))
        print(Bench.row("HTTP, no callers configured (mock_response)", Bench.median(perCall["http"]!)))
        print(Bench.row("HTTP, caller key of 100 callers, rpm/tpm limits", Bench.median(perCall["http-keyed"]!)))
        print(Bench.ratio("  keyed / open", Bench.median(ratios("http-keyed", "http"))) + Bench.spread(ratios("http-keyed", "http")))
        print(Bench.row("  key + limit checks (difference)", Bench.median(differences("http-keyed", "http"))) + Bench.spread(differences("http-keyed", "http")))
        // GET /v1/models calls no provider, so the key check stands out of the noise (25 requests per timed call).
        print(Bench.row("GET /v1/models, no callers configured", Bench.median(perCall["models"]!) / 25))
        print(Bench.row("GET /v1/models, caller key checked against 100 callers", Bench.median(perCall["models-keyed"]!) / 25))
        print(Bench.row("  key check (difference)", Bench.median(differences("models-keyed", "models")) / 25)
              + Bench.spread(differences("models-keyed", "models").map { $0 / 25 }))
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

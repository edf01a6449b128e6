@testable import ChatLambda
import Foundation
import LiteLLM
import ProviderFakes
import Synchronization
import Testing

/// Deployments through litellm's real Router, against a loopback provider whose model names choose its answers.
/// litellm picks a deployment at random (`simple-shuffle`), so the tests repeat a request until the failing
/// deployment has been tried (each try picks it with probability 1/2; 30 tries miss it with probability 1e-9).
@Suite("Deployments, fallbacks and cooldowns through litellm's Router")
struct DeploymentTests {
    static func group(_ base: String, failing: String, cooldown: Int = 60, extra: String = "") -> String {
        #"{"ha": {"deployments": [\#(GatewayFixture.deployment(failing, base)), \#(GatewayFixture.deployment("echo", base))], "cooldown_seconds": \#(cooldown)}\#(extra)}"#
    }

    /// Sends `body` until the fake has seen a request for `failing`; returns that reply.
    func untilTried(_ fixture: GatewayFixture, _ failing: String, body: String) async -> ChatReply? {
        for _ in 0..<30 {
            let reply = await fixture.http("/v1/chat/completions", body)
            if fixture.requests(for: failing) > 0 { return reply }
        }
        return nil
    }

    @Test(arguments: ["status-500", "status-429"])
    func aFailingDeploymentFallsToAHealthyOneAndCoolsDown(failing: String) async throws {
        let fixture = try await GatewayFixture.make { Self.group($0, failing: failing) }
        defer { Task { await fixture.shutdown() } }
        let reply = try #require(await untilTried(fixture, failing, body: userRequest("ha", "fall over")))
        let json = try #require(reply.json, "the failed deployment's request was retried on the healthy one")
        let message = (json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any]
        #expect(message?["content"] as? String == "echo: fall over")
        #expect(json["model"] as? String == "ha")
        #expect(reply.headers["x-embedchat-deployment"] == "1")
        #expect(Double(reply.headers["x-embedchat-overhead-ms"] ?? "") != nil)
        // Cooled down for 60 s: the next requests all go to the healthy deployment.
        for _ in 0..<6 {
            let next = await fixture.http("/v1/chat/completions", userRequest("ha"))
            #expect(next.headers["x-embedchat-deployment"] == "1")
        }
        #expect(fixture.requests(for: failing) == 1)
        // The header and the metrics name the index, never the deployment's URL or key.
        let lines = fixture.metrics.raw.withLock { $0 }
        #expect(lines.contains { $0.contains(#""deployment":"1""#) })
        #expect(!lines.contains { $0.contains("127.0.0.1") || $0.contains(GatewayFixture.providerKey) })
    }

    @Test func aStreamFallsBackWhileItOpens() async throws {
        let fixture = try await GatewayFixture.make { Self.group($0, failing: "status-503") }
        defer { Task { await fixture.shutdown() } }
        var tried: ChatReply?
        for _ in 0..<30 where tried == nil {
            let reply = await fixture.http("/v1/chat/completions", userRequest("ha", "stream over", extra: #","stream":true"#))
            if fixture.requests(for: "status-503") > 0 { tried = reply }
        }
        guard case .eventStream(let stream) = try #require(tried) else { Issue.record("expected a stream"); return }
        #expect(stream.headers["x-embedchat-deployment"] == "1")
        #expect(stream.headers["content-type"] == "text/event-stream")
        let (events, error) = await drain(stream)
        #expect(error == nil)
        #expect(events.last == "data: [DONE]\n\n")
        let text = events.dropLast().compactMap { event -> String? in
            let json = try? JSONSerialization.jsonObject(with: Data(event.dropFirst(6).utf8)) as? [String: Any]
            #expect(json?["usage"] == nil, "the usage chunk the gateway asked for is not passed on unasked")
            return ((json?["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String
        }.joined()
        #expect(text == "echo: stream over")
        let line = try #require(fixture.metrics.all.last)
        #expect(line["status"] as? Int == 200 && line["deployment"] as? String == "1")
        #expect((line["CompletionTokens"] as? Int ?? 0) > 0, "the stream's tokens were counted from the usage chunk")
        #expect(line["TimeToFirstToken"] as? Double != nil)
    }

    @Test func aStreamCutAfterItBeganDoesNotFallBack() async throws {
        let fixture = try await GatewayFixture.make { base in
            #"{"cut": {"deployments": [\#(GatewayFixture.deployment("long-20+reset-after-3", base))], "fallbacks": ["whole"]}, "whole": \#(GatewayFixture.plain("long-20", base))}"#
        }
        defer { Task { await fixture.shutdown() } }
        guard case .eventStream(let stream) = await fixture.http("/v1/chat/completions", userRequest("cut", extra: #","stream":true"#)) else {
            Issue.record("expected a stream"); return
        }
        let (events, error) = await drain(stream)
        #expect(error is ChatError)
        #expect(events.last?.hasPrefix(#"data: {"error":"#) == true)
        #expect(fixture.requests(for: "long-20") == 0, "no fallback model was asked to continue a stream that had begun")
        #expect(fixture.metrics.all.last?["status"] as? Int != 200)
    }

    @Test func whenEveryDeploymentFailsTheFallbackModelAnswers() async throws {
        let fixture = try await GatewayFixture.make { base in
            #"{"primary": {"deployments": [\#(GatewayFixture.deployment("status-500", base)), \#(GatewayFixture.deployment("status-502", base))], "fallbacks": ["backup"]}, "backup": \#(GatewayFixture.plain("echo", base))}"#
        }
        defer { Task { await fixture.shutdown() } }
        let reply = await fixture.http("/v1/chat/completions", userRequest("primary", "rescued"))
        let json = try #require(reply.json)
        #expect(((json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String == "echo: rescued")
        #expect(reply.headers["x-embedchat-deployment"] == "backup#0")
        #expect(fixture.requests(for: "status-500") >= 1 && fixture.requests(for: "status-502") >= 1)
        // The plain entry named as a fallback still answers by itself, directly.
        let direct = await fixture.http("/v1/chat/completions", userRequest("backup"))
        #expect(direct.json != nil && direct.headers["x-embedchat-deployment"] == nil)
    }

    /// A fallback model answers only a caller whose key may use it: for one that may not, the primary's error stands.
    @Test func aFallbackModelAnswersOnlyCallersAllowedToUseIt() async throws {
        let (allKey, primaryKey) = ("sk-both-0123456789abcdef", "sk-primary-0123456789abcdef")
        let hash = { (key: String) in SHA256.hex(SHA256.hash(Array(key.utf8))) }
        let fixture = try await GatewayFixture.make(models: { base in
            #"{"primary": {"deployments": [\#(GatewayFixture.deployment("status-500", base))], "fallbacks": ["backup"]}, "backup": \#(GatewayFixture.plain("echo", base))}"#
        }, environment: ["EMBEDCHAT_CALLERS": #"{"both": {"key_sha256": "\#(hash(allKey))"}, "primary-only": {"key_sha256": "\#(hash(primaryKey))", "models": ["primary"]}}"#])
        defer { Task { await fixture.shutdown() } }
        let refused = try #require(await fixture.http("/v1/chat/completions", userRequest("primary"), key: primaryKey).failure)
        #expect(refused.status == 500 && refused.code == "internal_error", "\(refused)")
        #expect(fixture.requests(for: "echo") == 0, "the fallback model was not asked for a caller who may not use it")
        let rescued = await fixture.http("/v1/chat/completions", userRequest("primary"), key: allKey)
        #expect(rescued.json != nil && rescued.headers["x-embedchat-deployment"] == "backup#0")
        #expect(fixture.requests(for: "echo") == 1)
    }

    /// A fallback model keeps its own `max_tokens` cap when it answers for another model (the request was clamped to
    /// the requested model's cap only).
    @Test func aFallbackModelKeepsItsOwnTokenCap() async throws {
        let fixture = try await GatewayFixture.make { base in
            #"{"primary": {"deployments": [\#(GatewayFixture.deployment("status-500", base))], "fallbacks": ["backup"]}, "backup": {"model": "openai/echo", "api_base": "\#(base)", "api_key_env": "FAKE_KEY", "max_tokens": 7}}"#
        }
        defer { Task { await fixture.shutdown() } }
        let reply = await fixture.http("/v1/chat/completions", userRequest("primary", extra: #","max_tokens":100"#))
        #expect(reply.json != nil && reply.headers["x-embedchat-deployment"] == "backup#0")
        let asked = fixture.server.recordedRequests.map { request in
            (request.model ?? "", (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])?["max_tokens"] as? Int)
        }
        #expect(asked.map(\.0) == ["status-500", "echo"] && asked.map(\.1) == [100, 7], "\(asked)")
    }

    @Test func anUpstream429WithNowhereElseToGoIsA429() async throws {
        let fixture = try await GatewayFixture.make { base in
            #"{"limited": {"deployments": [\#(GatewayFixture.deployment("status-429", base))], "retries": 0}}"#
        }
        defer { Task { await fixture.shutdown() } }
        let error = try #require(await fixture.http("/v1/chat/completions", userRequest("limited")).failure)
        #expect(error.status == 429 && error.type == "rate_limit_error")
        #expect(!error.message.contains(GatewayFixture.providerKey))
    }

    /// Once every deployment is cooling down, litellm's Router has none to try: a 429 that says so, with the
    /// cooldown as `retry-after`, buffered and streamed (it was a 500 "internal error").
    @Test(arguments: [false, true])
    func whileEveryDeploymentCoolsDownTheAnswerIsA429WithRetryAfter(streaming: Bool) async throws {
        let fixture = try await GatewayFixture.make { base in
            #"{"limited": {"deployments": [\#(GatewayFixture.deployment("status-429", base)), \#(GatewayFixture.deployment("status-429", base))], "cooldown_seconds": 30}}"#
        }
        defer { Task { await fixture.shutdown() } }
        let body = userRequest("limited", extra: streaming ? #","stream":true"# : "")
        let first = try #require(await fixture.http("/v1/chat/completions", body).failure)
        #expect(first.status == 429 && first.code == "rate_limit_exceeded", "\(first)")
        #expect(fixture.requests(for: "status-429") == 2, "both deployments were tried and cooled down")
        let cooling = try #require(await fixture.http("/v1/chat/completions", body).failure)
        #expect(cooling.status == 429 && cooling.type == "rate_limit_error" && cooling.code == "deployments_cooling_down", "\(cooling)")
        #expect(cooling.headers["retry-after"] == "30")
        #expect(cooling.message.contains("cooling down") && !cooling.message.contains("limited#"), "\(cooling.message)")
        #expect(fixture.requests(for: "status-429") == 2, "no deployment was asked while cooling down")
    }

    /// A deployment with no timeout of its own gives the provider as long as a plain entry does (litellm's 600 s),
    /// not the Router's default of 6000 s; the OpenAI SDK sends the read timeout it was given to the provider.
    @Test func aDeploymentWithoutATimeoutWaitsAsLongAsAPlainEntry() async throws {
        let fixture = try await GatewayFixture.make { base in
            #"{"plain": \#(GatewayFixture.plain("echo", base)), "routed": {"deployments": [\#(GatewayFixture.deployment("echo", base))]}}"#
        }
        defer { Task { await fixture.shutdown() } }
        #expect(await fixture.http("/v1/chat/completions", userRequest("plain")).json != nil)
        #expect(await fixture.http("/v1/chat/completions", userRequest("routed")).json != nil)
        let timeouts = fixture.server.recordedRequests.map { $0.header("x-stainless-read-timeout") }
        #expect(timeouts.count == 2 && timeouts[0] != nil && timeouts[0] == timeouts[1], "\(timeouts)")
        #expect(timeouts.first.flatMap { $0.flatMap(Double.init) } == 600)
    }

    /// A plain entry's `stream_timeout` bounds its streams as it bounds a deployment's (litellm.acompletion ignored
    /// it; only the Router applied it). The provider here holds its answer for 20 s; the stream gives up after 1 s.
    @Test func aPlainEntrysStreamTimeoutBoundsItsStreams() async throws {
        let fixture = try await GatewayFixture.make { base in
            #"{"slow": \#(GatewayFixture.plain("delay-20000", base, extra: #", "stream_timeout": 1"#))}"#
        }
        defer { Task { await fixture.shutdown() } }
        let error = try #require(await fixture.http("/v1/chat/completions", userRequest("slow", extra: #","stream":true"#)).failure)
        #expect(error.status == 504 && error.code == "timeout", "\(error)")
    }

    @Test func embeddingsFallOverToo() async throws {
        let fixture = try await GatewayFixture.make { base in
            #"{"vectors": {"deployments": [\#(GatewayFixture.deployment("status-500", base)), \#(GatewayFixture.deployment("text-embedding-fake", base))], "cooldown_seconds": 60}}"#
        }
        defer { Task { await fixture.shutdown() } }
        var answered: ChatReply?
        for _ in 0..<30 where answered == nil {
            let reply = await fixture.http("/v1/embeddings", #"{"model":"vectors","input":"v"}"#)
            if fixture.requests(for: "status-500") > 0 { answered = reply }
        }
        let reply = try #require(answered)
        #expect((reply.json?["data"] as? [[String: Any]])?.count == 1)
        #expect(reply.headers["x-embedchat-deployment"] == "1")
    }

    @Test func aDeploymentsSecretKeyIsReadOnceAndSentOnlyToIt() async throws {
        let reads = Mutex(0)
        let fixture = try await GatewayFixture.make(models: { base in
            #"{"vault": {"deployments": [{"model": "openai/echo", "api_base": "\#(base)", "api_key_secret": "prod/vault"}]}}"#
        }, readSecret: { id in
            reads.withLock { $0 += 1 }
            return id == "prod/vault" ? #"{"api_key": "sk-from-secrets-manager-42"}"# : ""
        })
        defer { Task { await fixture.shutdown() } }
        for _ in 0..<3 { #expect(await fixture.http("/v1/chat/completions", userRequest("vault")).json != nil) }
        #expect(reads.withLock { $0 } == 1)
        #expect(fixture.server.recordedRequests.allSatisfy { request in
            request.headers.contains { $0.name.lowercased() == "authorization" && $0.value == "Bearer sk-from-secrets-manager-42" }
        })
    }
}

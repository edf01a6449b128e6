@testable import ChatLambda
import Foundation
import LiteLLM
import ProviderFakes
import Synchronization
import Testing

@Suite("Caller keys: hashes, limits and the HTTP answers they give")
struct CallerTests {
    static let aliceKey = "sk-alice-0123456789abcdef", bobKey = "sk-bob-0123456789abcdef"
    static func hash(_ key: String) -> String { SHA256.hex(SHA256.hash(Array(key.utf8))) }

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func sha256MatchesTheNISTVectors(input: String, digest: String) {
        #expect(SHA256.hex(SHA256.hash(Array(input.utf8))) == digest)
    }

    @Test func constantTimeComparisonComparesWholeValues() {
        #expect(constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEqual([1, 2, 3], [1, 2]))
        #expect(!constantTimeEqual([1, 2], [1, 2, 3]))
    }

    @Test(arguments: [
        #"not json"#,
        #"{}"#,
        #"{"a": {"models": ["echo"]}}"#,                                                  // no key hash
        #"{"a": {"key_sha256": "abc"}}"#,                                                  // not 64 hex digits
        #"{"a": {"key_sha256": "\#(String(repeating: "0", count: 64))", "model": ["echo"]}}"#,  // misspelt key
        #"{"a": {"key_sha256": "\#(String(repeating: "0", count: 64))", "models": ["nope"]}}"#, // a model not served
        #"{"a": {"key_sha256": "\#(String(repeating: "0", count: 64))", "rpm": 0}}"#,
        #"{"a": {"key_sha256": "\#(String(repeating: "0", count: 64))"}, "b": {"key_sha256": "\#(String(repeating: "0", count: 64))"}}"#,
    ])
    func badCallerTablesAreRefusedAtInit(json: String) {
        #expect(throws: ChatConfigurationError.self) {
            try ChatConfiguration.fromEnvironment(["EMBEDCHAT_MODELS": #"{"echo": {"model": "openai/echo"}}"#, "EMBEDCHAT_CALLERS": json])
        }
    }

    @Test func aRefusedTableNeverEchoesAKeyHash() {
        let hash = Self.hash(Self.aliceKey)
        do {
            _ = try ChatConfiguration.fromEnvironment(["EMBEDCHAT_MODELS": #"{"echo": {"model": "openai/echo"}}"#,
                                                       "EMBEDCHAT_CALLERS": #"{"a": {"key_sha256": "\#(hash)", "models": ["nope"]}}"#])
            Issue.record("expected a refusal")
        } catch {
            #expect(!error.message.contains(hash))
        }
    }

    @Test func theLimiterCountsAMinuteAndSaysWhenToRetry() {
        let clock = Mutex<Int64>(1000)
        let limiter = RateLimiter { clock.withLock { $0 } }
        let caller = Caller(name: "c", keyHash: [1], rpm: 2, tpm: 100)
        #expect(limiter.admit(caller) == nil)
        clock.withLock { $0 += 10 }
        #expect(limiter.admit(caller) == nil)
        #expect(limiter.admit(caller) == 50)  // the first request leaves the minute at 1060
        clock.withLock { $0 += 50 }
        #expect(limiter.admit(caller) == nil)
        // Tokens: 100 per minute; once used, requests wait for them to leave the minute.
        let tokens = Caller(name: "t", keyHash: [2], tpm: 100)
        #expect(limiter.admit(tokens) == nil)
        limiter.record(tokens, tokens: 120)
        clock.withLock { $0 += 5 }
        #expect(limiter.admit(tokens) == 55)
        clock.withLock { $0 += 55 }
        #expect(limiter.admit(tokens) == nil)
        // Callers without limits are never counted.
        #expect((0..<1000).allSatisfy { _ in limiter.admit(Caller(name: "free", keyHash: [3])) == nil })
    }

    static func callersJSON() -> String {
        #"{"alice": {"key_sha256": "\#(hash(aliceKey))", "models": ["echo"], "rpm": 2}, "bob": {"key_sha256": "\#(hash(bobKey).uppercased())", "tpm": 5}}"#
    }

    static func models(_ base: String) -> String {
        #"{"echo": \#(GatewayFixture.plain("echo", base)), "other": \#(GatewayFixture.plain("echo", base))}"#
    }

    @Test func eachCallerKeyCaseGetsItsOpenAIError() async throws {
        let fixture = try await GatewayFixture.make(models: Self.models, environment: [
            "EMBEDCHAT_CALLERS": Self.callersJSON(), "EMBEDCHAT_AUTH_TOKEN": "ops-token-42",
        ])
        defer { Task { await fixture.shutdown() } }
        let chat = "/v1/chat/completions"
        // No key, a wrong key, a key in another scheme: 401 with an OpenAI body, before any provider call.
        for key in [nil, "sk-nobody", Self.aliceKey + "x"] {
            let error = try #require(await fixture.http(chat, userRequest("echo"), key: key).failure)
            #expect(error.status == 401 && error.type == "authentication_error" && error.code == "invalid_api_key")
        }
        #expect(fixture.server.recordedRequests.isEmpty)
        #expect(ChatHTTPResponse(ChatCallerErrors.unauthorized).headers["www-authenticate"] == "Bearer")
        // alice may use echo, not other: 403.
        #expect(await fixture.http(chat, userRequest("echo"), key: Self.aliceKey).json?["object"] as? String == "chat.completion")
        let forbidden = try #require(await fixture.http(chat, userRequest("other"), key: Self.aliceKey).failure)
        #expect(forbidden.status == 403 && forbidden.type == "permission_error" && forbidden.code == "model_not_allowed")
        // alice's third request in the minute (the 403 did not count): 429 with retry-after.
        #expect(await fixture.http(chat, userRequest("echo"), key: Self.aliceKey).json != nil)
        let limited = await fixture.http(chat, userRequest("echo"), key: Self.aliceKey)
        let tooMany = try #require(limited.failure)
        #expect(tooMany.status == 429 && tooMany.type == "rate_limit_error")
        let retryAfter = try #require(Int(limited.headers["retry-after"] ?? ""))
        #expect((1...60).contains(retryAfter))
        // bob has 5 tokens a minute: one answer spends them, the next request waits.
        #expect(await fixture.http(chat, userRequest("other"), key: Self.bobKey).json != nil)
        #expect(await fixture.http(chat, userRequest("other"), key: Self.bobKey).failure?.status == 429)
        // The token holder is one more caller, allowed everything, unlimited.
        for _ in 0..<3 { #expect(await fixture.http(chat, userRequest("other"), key: "ops-token-42").json != nil) }
        // /v1/models lists what the caller may use.
        let aliceModels = try #require(await fixture.http("/v1/models", method: "GET", key: Self.aliceKey).json?["data"] as? [[String: Any]])
        #expect(aliceModels.compactMap { $0["id"] as? String } == ["echo"])
        let bobModels = try #require(await fixture.http("/v1/models", method: "GET", key: Self.bobKey).json?["data"] as? [[String: Any]])
        #expect(bobModels.compactMap { $0["id"] as? String } == ["echo", "other"])
        #expect(await fixture.http("/v1/models/other", method: "GET", key: Self.aliceKey).failure?.status == 404)
        // The metrics name callers, never keys.
        let lines = fixture.metrics.raw.withLock { $0 }
        #expect(lines.contains { $0.contains(#""caller":"alice""#) } && lines.contains { $0.contains(#""caller":"bob""#) })
        #expect(!lines.contains { $0.contains(Self.aliceKey) || $0.contains(Self.bobKey) || $0.contains("ops-token-42") })
    }

    @Test func aCallersSecretIsReadOnceAndAFailedReadIs500() async throws {
        let reads = Mutex(0)
        let fixture = try await GatewayFixture.make(models: Self.models, environment: ["EMBEDCHAT_CALLERS_SECRET": "embedchat/callers"],
                                                    readSecret: { id in
            reads.withLock { $0 += 1 }
            guard id == "embedchat/callers" else { throw CancellationError() }
            return Self.callersJSON()
        })
        defer { Task { await fixture.shutdown() } }
        #expect(await fixture.http("/v1/chat/completions", userRequest("echo"), key: Self.aliceKey).json != nil)
        #expect(await fixture.http("/v1/chat/completions", userRequest("echo"), key: "sk-nobody").failure?.status == 401)
        #expect(reads.withLock { $0 } == 1)

        let broken = try await GatewayFixture.make(models: Self.models, environment: ["EMBEDCHAT_CALLERS_SECRET": "embedchat/missing"],
                                                   readSecret: { _ in throw CancellationError() })
        defer { Task { await broken.shutdown() } }
        let error = try #require(await broken.http("/v1/chat/completions", userRequest("echo"), key: Self.aliceKey).failure)
        #expect(error.status == 500 && error.code == "callers_unavailable")
    }

    @Test func directInvokesAreNotAskedForKeys() async throws {
        let fixture = try await GatewayFixture.make(models: Self.models, environment: ["EMBEDCHAT_CALLERS": Self.callersJSON()])
        defer { Task { await fixture.shutdown() } }
        let reply = await fixture.service.invoke(body: Array(userRequest("other").utf8), streaming: false, deadline: nil, logger: testLogger)
        #expect(reply.json?["object"] as? String == "chat.completion")
        #expect(fixture.metrics.all.last?["caller"] as? String == "direct")
    }
    /// A client that leaves a stream before its usage chunk is still charged: each chunk it was sent counts as at
    /// least one completion token and the prompt is counted by the gateway, so hanging up early does not dodge `tpm`;
    /// the line says 499 (the client closed the request), not a server error. (Found by a fuzzing session: six such
    /// streams of ~150 chunks each were charged nothing and logged as 500s.)
    @Test func aClientThatLeavesAStreamEarlyIsStillChargedForItsTokens() async throws {
        let key = "sk-leaver-0123456789abcdef"
        let fixture = try await GatewayFixture.make(models: { base in
            #"{"long": \#(GatewayFixture.plain("long-20", base))}"#
        }, environment: ["EMBEDCHAT_CALLERS": #"{"leaver": {"key_sha256": "\#(Self.hash(key))", "tpm": 4}}"#])
        defer { Task { await fixture.shutdown() } }
        let reply = await fixture.http("/v1/chat/completions", userRequest("long", "leave early", extra: #","stream":true"#), key: key)
        guard case .eventStream(let stream) = reply else { Issue.record("expected a stream: \(reply)"); return }
        var sent = 0
        let error = await #expect(throws: CancellationError.self) {
            try await stream.send { _ in
                guard sent < 3 else { throw CancellationError() }  // the client's connection is gone
                sent += 1
            }
        }
        #expect(error != nil)
        let line = try #require(fixture.metrics.all.last { $0["model"] as? String == "long" })
        #expect(line["status"] as? Int == 499, "\(line)")
        #expect(line["CompletionTokens"] as? Int == 3, "\(line)")
        #expect((line["PromptTokens"] as? Int ?? 0) > 0, "\(line)")
        // 3 completion tokens and the prompt's reach the caller's tpm of 4 (3 alone would not): the next request is refused.
        let refused = try #require(await fixture.http("/v1/chat/completions", userRequest("long"), key: key).failure)
        #expect(refused.status == 429 && refused.code == "rate_limit_exceeded", "\(refused)")
    }
}

/// The 401 the gate gives, for checking its headers.
enum ChatCallerErrors {
    static let unauthorized = CallerGate.unauthorized
}

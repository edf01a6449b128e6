import Foundation
import ProviderFakes
import RuntimeAPIFake
import Testing

/// The gateway through the real `bootstrap` and a fake Runtime API: embeddings, deployments, caller keys, metrics.
/// One child per invoke mode (each start imports litellm); the checks run in order inside one test each, so the log
/// scan at the end sees every request before it.
@Suite("Gateway: the bootstrap binary with deployments, caller keys and metrics")
struct GatewayLambdaTests {
    static let prompt = "PROMPT-TEXT-MUST-NOT-BE-LOGGED-5150"

    @Test func bufferedModeServesTheGateway() async throws {
        let harness = try await GatewayHarness.start(mode: "BUFFERED")
        defer { Task { await harness.stop() } }
        try await embeddingsAnswerDirectAndOverFunctionURL(harness)
        try await aFailingDeploymentFallsOverAndCoolsDown(harness)
        try await eachCallerKeyCaseAnswers(harness)
        try await anUpstream429IsA429(harness)
        try checkMetricsAndLog(harness, requests: harness.invocations)
        let embeddings = try #require(harness.metricLines.first { $0["route"] as? String == "embeddings" && $0["caller"] as? String == "alice" })
        #expect((embeddings["CostUSD"] as? Double ?? 0) > 0, "litellm priced text-embedding-3-small")
        #expect((embeddings["PromptTokens"] as? Int ?? 0) > 0)
        let fallback = try #require(harness.metricLines.first { $0["model"] as? String == "ha" && $0["status"] as? Int == 200 })
        #expect(fallback["deployment"] as? String == "1")
        #expect(harness.metricLines.contains { $0["caller"] as? String == "direct" })
    }

    @Test func streamModeFallsBackBeforeTheFirstByteOnly() async throws {
        let harness = try await GatewayHarness.start(mode: "RESPONSE_STREAM")
        defer { Task { await harness.stop() } }
        // A stream whose first deployment answers 503 opens on the other one.
        var opened: InvocationResult?
        for _ in 0..<30 where opened == nil {
            let result = try await harness.http("/v1/chat/completions", chatBody("hs", Self.prompt, stream: true))
            if harness.requests(for: "status-503") > 0 { opened = result }
        }
        let result = try #require(opened, "the 503 deployment was never tried")
        #expect(!result.isError)
        let (prelude, body) = try #require(streamedHTTP(result))
        #expect(prelude["statusCode"] as? Int == 200)
        #expect((prelude["headers"] as? [String: String])?["x-embedchat-deployment"] == "1")
        let events = sseEvents(body)
        #expect(events.last == "[DONE]")
        #expect(sseText(events) == "tok0 tok1 tok2 tok3")
        #expect(!body.contains(#""usage""#), "the usage chunk the gateway asked for is not passed on unasked")

        // A stream cut after it began ends with its error event and trailers; the fallback model is not asked.
        let echoBefore = harness.requests(for: "echo")
        let cut = try await harness.http("/v1/chat/completions", chatBody("cut", Self.prompt, stream: true))
        #expect(cut.isError)
        #expect(cut.final.errorType?.hasPrefix("Chat.") == true)
        #expect(sseEvents(try #require(streamedHTTP(cut)).body).last?.hasPrefix(#"{"error":"#) == true)
        #expect(harness.requests(for: "echo") == echoBefore)

        // Embeddings over a Function URL stream behind the prelude as one JSON body; a direct invoke gets the JSON.
        let http = try #require(streamedHTTP(try await harness.http("/v1/embeddings", #"{"model":"embed","input":"\#(Self.prompt)"}"#)))
        #expect(http.prelude["statusCode"] as? Int == 200)
        #expect((jsonObject(Array(http.body.utf8))?["data"] as? [[String: Any]])?.count == 1)
        let direct = try await harness.invoke(#"{"model":"embed","input":["\#(Self.prompt)","two"]}"#)
        #expect((jsonObject(direct.final.body)?["data"] as? [[String: Any]])?.count == 2)

        try checkMetricsAndLog(harness, requests: harness.invocations)
        let stream = try #require(harness.metricLines.first { $0["model"] as? String == "hs" && $0["status"] as? Int == 200 })
        #expect(stream["TimeToFirstToken"] is Double)
        #expect((stream["CompletionTokens"] as? Int ?? 0) > 0, "tokens counted from the usage chunk the gateway asked for")
        #expect(stream["deployment"] as? String == "1")
    }

    func embeddingsAnswerDirectAndOverFunctionURL(_ harness: GatewayHarness) async throws {
        let direct = try await harness.invoke(#"{"model":"embed","input":["\#(Self.prompt)","b"],"dimensions":5}"#)
        #expect(!direct.isError)
        let list = try #require(jsonObject(direct.final.body))
        #expect(list["object"] as? String == "list" && list["model"] as? String == "embed")
        let vectors = (list["data"] as? [[String: Any]])?.compactMap { $0["embedding"] as? [Double] } ?? []
        #expect(vectors.count == 2 && vectors.allSatisfy { $0.count == 5 })
        #expect(vectors.first.map { zip($0, FakeProviderServer.embedding(for: Self.prompt, dimensions: 5)).allSatisfy { abs($0 - Double($1)) < 1e-6 } } == true)

        let http = try #require(bufferedHTTP(try await harness.http("/v1/embeddings", #"{"model":"embed","input":"\#(Self.prompt)","encoding_format":"base64","dimensions":5}"#)))
        #expect(http.status == 200)
        let encoded = try #require(((jsonObject(Array(http.body.utf8))?["data"] as? [[String: Any]])?.first?["embedding"]) as? String)
        #expect(Data(base64Encoded: encoded)?.count == 5 * 4)
        #expect(http.headers["x-embedchat-overhead-ms"] != nil)

        // Validated like chat: a litellm keyword or a token array is a 400 (direct: the Runtime API's /error).
        let refused = try #require(bufferedHTTP(try await harness.http("/v1/embeddings", #"{"model":"embed","input":"x","api_base":"http://169.254.169.254"}"#)))
        #expect(refused.status == 400)
        let directRefusal = try await harness.invoke(#"{"model":"embed","input":[[1,2]]}"#)
        #expect(directRefusal.isError && directRefusal.final.errorType == "Chat.InvalidType")
    }

    func aFailingDeploymentFallsOverAndCoolsDown(_ harness: GatewayHarness) async throws {
        var answered: (status: Int, headers: [String: String], body: String)?
        for _ in 0..<30 where answered == nil {
            let http = bufferedHTTP(try await harness.http("/v1/chat/completions", chatBody("ha", Self.prompt)))
            if harness.requests(for: "status-500") > 0 { answered = http }
        }
        let http = try #require(answered, "the 500 deployment was never tried")
        #expect(http.status == 200)
        #expect(http.headers["x-embedchat-deployment"] == "1")
        #expect(Double(http.headers["x-embedchat-overhead-ms"] ?? "") != nil)
        #expect(http.body.contains("echo: \(Self.prompt)"))
        for _ in 0..<5 {
            let next = try #require(bufferedHTTP(try await harness.http("/v1/chat/completions", chatBody("ha", "again"))))
            #expect(next.status == 200 && next.headers["x-embedchat-deployment"] == "1")
        }
        #expect(harness.requests(for: "status-500") == 1, "cooled down for 60 s after its failure")
    }

    func eachCallerKeyCaseAnswers(_ harness: GatewayHarness) async throws {
        for key in [nil, "sk-nobody", GatewayHarness.aliceKey + "0"] {
            let http = try #require(bufferedHTTP(try await harness.http("/v1/chat/completions", chatBody("echo"), key: key)))
            #expect(http.status == 401)
            #expect(http.headers["www-authenticate"] == "Bearer")
            #expect((jsonObject(Array(http.body.utf8))?["error"] as? [String: Any])?["type"] as? String == "authentication_error")
        }
        let forbidden = try #require(bufferedHTTP(try await harness.http("/v1/embeddings", #"{"model":"embed","input":"x"}"#, key: GatewayHarness.bobKey)))
        #expect(forbidden.status == 403)
        #expect((jsonObject(Array(forbidden.body.utf8))?["error"] as? [String: Any])?["code"] as? String == "model_not_allowed")
        var statuses: [Int] = []
        var retryAfter: String?
        for _ in 0..<4 {
            let http = try #require(bufferedHTTP(try await harness.http("/v1/chat/completions", chatBody("echo"), key: GatewayHarness.bobKey)))
            statuses.append(http.status)
            if http.status == 429 { retryAfter = http.headers["retry-after"] }
        }
        #expect(statuses == [200, 200, 200, 429])
        #expect(Int(retryAfter ?? "").map { (1...60).contains($0) } == true)
        let bobModels = try #require(bufferedHTTP(try await harness.http("/v1/models", nil, key: GatewayHarness.bobKey, method: "GET")))
        #expect(((jsonObject(Array(bobModels.body.utf8))?["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String }) == ["echo"])
        let aliceModels = try #require(bufferedHTTP(try await harness.http("/v1/models", nil, method: "GET")))
        #expect(((jsonObject(Array(aliceModels.body.utf8))?["data"] as? [[String: Any]])?.count) == 7)
    }

    func anUpstream429IsA429(_ harness: GatewayHarness) async throws {
        let http = try #require(bufferedHTTP(try await harness.http("/v1/chat/completions", chatBody("limited", Self.prompt))))
        #expect(http.status == 429)
        #expect((jsonObject(Array(http.body.utf8))?["error"] as? [String: Any])?["type"] as? String == "rate_limit_error")
    }

    /// Every request left one EMF line of the right shape, and nothing the child wrote holds a prompt, a key or the
    /// provider's URL.
    func checkMetricsAndLog(_ harness: GatewayHarness, requests: Int) throws {
        let lines = harness.metricLines
        #expect(lines.count == requests, "one line per request")
        for line in lines { checkEMF(line) }
        let log = harness.child.log
        for secret in [Self.prompt, GatewayHarness.providerKey, GatewayHarness.aliceKey, GatewayHarness.bobKey,
                       "NEVERSHOWN", harness.provider.openAIBase, "127.0.0.1:\(harness.provider.port)"] {
            #expect(!log.contains(secret), "the log holds \(secret)")
        }
    }
}

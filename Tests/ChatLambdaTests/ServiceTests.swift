import ChatLambda
import Foundation
import LiteLLM
import ProviderFakes
import Synchronization
import Testing

@Suite("The chat function against a loopback provider")
struct ServiceTests {
    @Test func aCompletionGoesThroughLitellmAndCarriesThePublicModelName() async throws {
        let fixture = try await ChatFixture.make()
        defer { Task { await fixture.shutdown() } }
        let json = try #require(await fixture.chat(userRequest("echo", "hello there")).json)
        #expect(json["object"] as? String == "chat.completion")
        #expect(json["model"] as? String == "echo")
        let message = try #require(((json["choices"] as? [[String: Any]])?.first?["message"]) as? [String: Any])
        #expect(message["content"] as? String == "echo: hello there")
        // The server's api_base and key were used, never the caller's.
        let recorded = try #require(fixture.server.recordedRequests.last)
        #expect(recorded.headers.contains { $0.name.lowercased() == "authorization" && $0.value == "Bearer sk-fixture-key-0123456789" })
    }

    @Test func anUnknownModelIs404() async throws {
        let fixture = try await ChatFixture.make()
        defer { Task { await fixture.shutdown() } }
        let error = try #require(await fixture.chat(userRequest("gpt-4o")).failure)
        #expect(error.status == 404)
        #expect(error.code == "model_not_found")
        #expect(fixture.server.recordedRequests.isEmpty)
    }

    @Test(arguments: [(401, 401), (403, 403), (429, 429), (500, 500), (503, 503)])
    func providerErrorsKeepTheirStatus(providerStatus: Int, expected: Int) async throws {
        let fixture = try await ChatFixture.make(scenarios: ["status-\(providerStatus)"])
        defer { Task { await fixture.shutdown() } }
        let error = try #require(await fixture.chat(userRequest("fake-status-\(providerStatus)")).failure)
        #expect(error.status == expected)
        #expect(!error.message.contains("sk-fixture-key-0123456789"))
    }

    @Test func theDeadlineBecomesA504BeforeTheProviderAnswers() async throws {
        let fixture = try await ChatFixture.make(scenarios: ["delay-600000"])
        defer { Task { await fixture.shutdown() } }
        // The provider would answer 200 after 10 minutes, so only the deadline (minus the margin) can end the call
        // first, however late a busy machine runs its timer.
        let error = try #require(await fixture.chat(userRequest("fake-delay-600000"), deadline: .now + .milliseconds(1200)).failure)
        #expect(error.status == 504)
        #expect(error.type == "timeout_error")
    }

    @Test func aDeadlineAlreadySpentIs504WithoutCallingTheProvider() async throws {
        let fixture = try await ChatFixture.make()
        defer { Task { await fixture.shutdown() } }
        let error = try #require(await fixture.chat(userRequest("echo"), deadline: .now + .milliseconds(100)).failure)
        #expect(error.status == 504)
        #expect(fixture.server.recordedRequests.isEmpty)
    }

    @Test func aStreamSendsSSEChunksThenDone() async throws {
        let fixture = try await ChatFixture.make(scenarios: ["long-5"])
        defer { Task { await fixture.shutdown() } }
        guard case .eventStream(let stream) = await fixture.chat(userRequest("fake-long-5", extra: #","stream":true"#)) else {
            Issue.record("expected an event stream"); return
        }
        let (events, error) = await drain(stream)
        #expect(error == nil)
        #expect(events.allSatisfy { $0.hasPrefix("data: ") && $0.hasSuffix("\n\n") })
        #expect(events.last == "data: [DONE]\n\n")
        let text = events.dropLast().compactMap { event -> String? in
            let json = try? JSONSerialization.jsonObject(with: Data(event.dropFirst(6).utf8)) as? [String: Any]
            #expect(json?["model"] as? String == "fake-long-5")
            return ((json?["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String
        }.joined()
        #expect(text == "tok0 tok1 tok2 tok3 tok4")
    }

    @Test func aStreamCutMidwaySendsAnErrorEventThenThrows() async throws {
        let fixture = try await ChatFixture.make(scenarios: ["long-20+reset-after-3"])
        defer { Task { await fixture.shutdown() } }
        guard case .eventStream(let stream) = await fixture.chat(userRequest("fake-long-20+reset-after-3", extra: #","stream":true"#)) else {
            Issue.record("expected an event stream"); return
        }
        let (events, error) = await drain(stream)
        #expect(error is ChatError)
        #expect(events.count >= 2)
        #expect(events.last?.hasPrefix(#"data: {"error":"#) == true)
        #expect(!events.contains("data: [DONE]\n\n"))
    }

    @Test func withoutStreamingAStreamRequestGetsOneCompletion() async throws {
        let fixture = try await ChatFixture.make()
        defer { Task { await fixture.shutdown() } }
        let json = try #require(await fixture.chat(userRequest("echo", extra: #","stream":true"#), streaming: false).json)
        #expect(json["object"] as? String == "chat.completion")
    }

    @Test func maxTokensIsClampedToTheCapAndSetWhenAbsent() async throws {
        let fixture = try await ChatFixture.make(maxTokens: 16)
        defer { Task { await fixture.shutdown() } }
        _ = await fixture.chat(userRequest("echo", extra: #","max_tokens":5000"#))
        _ = await fixture.chat(userRequest("echo", extra: #","max_tokens":4"#))
        _ = await fixture.chat(userRequest("echo"))
        let sent = fixture.server.recordedRequests.map { request -> Int? in
            let json = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]
            return json?["max_tokens"] as? Int
        }
        #expect(sent == [16, 4, 16])
    }

    @Test func anOversizedRequestIs413() async throws {
        let fixture = try await ChatFixture.make(maxRequestBytes: 200)
        defer { Task { await fixture.shutdown() } }
        let error = try #require(await fixture.chat(userRequest("echo", String(repeating: "x", count: 300))).failure)
        #expect(error.status == 413)
    }

    @Test func httpRoutesAnswerModelsAndRefuseOthers() async throws {
        let fixture = try await ChatFixture.make(authToken: "s3cret-token")
        defer { Task { await fixture.shutdown() } }
        let auth = ["Authorization": "Bearer s3cret-token"]
        func respond(_ method: String, _ path: String, _ headers: [String: String] = auth, _ body: String = "") async -> ChatReply {
            await fixture.service.respond(to: ChatHTTPRequest(method: method, path: path, headers: headers, body: Array(body.utf8)),
                                          deadline: nil, logger: testLogger)
        }
        let models = try #require(await respond("GET", "/v1/models").json)
        #expect((models["data"] as? [[String: Any]])?.map { $0["id"] as? String } == ["echo"])
        #expect(await respond("GET", "/v1/models", [:]).failure?.status == 401)
        #expect(await respond("GET", "/v1/models", ["authorization": "Bearer wrong"]).failure?.status == 401)
        #expect(await respond("GET", "/v1/models/echo").json?["id"] as? String == "echo")
        #expect(await respond("GET", "/v1/models/nope").failure?.status == 404)
        #expect(await respond("GET", "/v1/chat/completions").failure?.status == 405)
        #expect(await respond("GET", "/admin").failure?.status == 404)
        #expect(await respond("POST", "/prod/v1/chat/completions", auth, userRequest("echo")).json?["model"] as? String == "echo")
        #expect(ChatReply.failure(ChatError(status: 401, type: "authentication_error", code: "invalid_api_key", message: "m"))
            .httpResponse?.headers["www-authenticate"] == "Bearer")
    }

    @Test func aSecretKeyIsReadOnceAndReused() async throws {
        let reads = Mutex(0)
        let fixture = try await ChatFixture.make(readSecret: { id in
            #expect(id == "embedchat/key")
            reads.withLock { $0 += 1 }
            return #"{"api_key": "sk-from-secret-abcdef"}"#
        }, secretModel: true)
        defer { Task { await fixture.shutdown() } }
        for _ in 0..<3 { #expect(await fixture.chat(userRequest("secret")).json != nil) }
        #expect(reads.withLock { $0 } == 1)
        let recorded = try #require(fixture.server.recordedRequests.last)
        #expect(recorded.headers.contains { $0.name.lowercased() == "authorization" && $0.value == "Bearer sk-from-secret-abcdef" })
    }

    @Test func aFailedSecretReadIs500AndIsRetried() async throws {
        let reads = Mutex(0)
        let fixture = try await ChatFixture.make(readSecret: { _ in
            let count = reads.withLock { $0 += 1; return $0 }
            if count == 1 { throw CancellationError() }
            return "sk-second-try-123456"
        }, secretModel: true)
        defer { Task { await fixture.shutdown() } }
        #expect(await fixture.chat(userRequest("secret")).failure?.code == "credentials_unavailable")
        #expect(await fixture.chat(userRequest("secret")).json != nil)
    }
}

@Suite("Lambda events")
struct LambdaEventTests {
    func httpEvent(body: String?, base64: Bool = false, method: String = "POST", path: String = "/v1/chat/completions") -> [UInt8] {
        var event: [String: Any] = [
            "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
            "headers": ["Content-Type": "application/json", "authorization": "Bearer x"],
            "requestContext": ["http": ["method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4"], "requestId": "r"],
            "isBase64Encoded": base64,
        ]
        if let body { event["body"] = base64 ? Data(body.utf8).base64EncodedString() : body }
        return Array(try! JSONSerialization.data(withJSONObject: event))
    }

    @Test func functionURLEventsBecomeHTTPRequestsWithDecodedBodies() throws {
        for base64 in [false, true] {
            guard case .http(let request) = LambdaEvent.decode(httpEvent(body: #"{"a":1}"#, base64: base64)) else {
                Issue.record("expected an HTTP event"); continue
            }
            #expect(request.method == "POST")
            #expect(request.path == "/v1/chat/completions")
            #expect(request.headers["content-type"] == "application/json")
            #expect(String(decoding: request.body, as: UTF8.self) == #"{"a":1}"#)
        }
    }

    @Test func anyOtherEventIsADirectInvoke() {
        for event in [userRequest("echo"), "not json", #"{"version":"2.0"}"#, #"{"requestContext":{}}"#] {
            guard case .direct = LambdaEvent.decode(Array(event.utf8)) else { Issue.record("\(event) is not direct"); continue }
        }
    }

    @Test func aBodyMarkedBase64ThatIsNotIsRefused() throws {
        var event = try #require(try JSONSerialization.jsonObject(with: Data(httpEvent(body: "x", base64: true))) as? [String: Any])
        event["body"] = "%%%not base64%%%"
        guard case .malformedHTTP(let error) = LambdaEvent.decode(Array(try JSONSerialization.data(withJSONObject: event))) else {
            Issue.record("expected a malformed HTTP event"); return
        }
        #expect(error.status == 400)
    }
}

import Foundation
import RuntimeAPIFake
import Testing

@Suite("bootstrap, BUFFERED mode, as a child process")
struct BootstrapBufferedTests {
    @Test func aDirectInvokeAnswersOneChatCompletion() async throws {
        let harness = try await SharedBootstraps.buffered.value
        let result = try await harness.invoke(chatBody("echo", "direct hello"))
        #expect(!result.isError)
        #expect(!result.final.isStreamed)
        let json = try #require(jsonObject(result.body))
        #expect(json["object"] as? String == "chat.completion")
        #expect((json["id"] as? String)?.hasPrefix("chatcmpl") == true)
        let message = ((json["choices"] as? [[String: Any]])?.first?["message"]) as? [String: Any]
        #expect(message?["content"] as? String == "echo: direct hello")
    }

    @Test func aDirectStreamRequestStillGetsOneCompletionWhenBuffered() async throws {
        let harness = try await SharedBootstraps.buffered.value
        let result = try await harness.invoke(chatBody("long", stream: true))
        #expect(jsonObject(result.body)?["object"] as? String == "chat.completion")
    }

    @Test func aFunctionURLEventGetsAnHTTPResponseObject() async throws {
        let harness = try await SharedBootstraps.buffered.value
        for base64 in [false, true] {
            let result = try await harness.invoke(functionURLEvent(body: chatBody("echo", "url hello"), base64: base64))
            let http = try #require(bufferedHTTP(result))
            #expect(http.status == 200)
            #expect(http.headers["content-type"] == "application/json")
            #expect(http.body.contains("echo: url hello"))
        }
    }

    @Test func aStreamRequestOverAFunctionURLGetsTheWholeSSEText() async throws {
        let harness = try await SharedBootstraps.buffered.value
        let result = try await harness.invoke(functionURLEvent(body: chatBody("long", stream: true)))
        let http = try #require(bufferedHTTP(result))
        #expect(http.status == 200)
        #expect(http.headers["content-type"] == "text/event-stream")
        let events = sseEvents(http.body)
        #expect(events.last == "[DONE]")
        #expect(sseText(events) == "tok0 tok1 tok2 tok3 tok4 tok5 tok6 tok7")
    }

    @Test func modelsAreListed() async throws {
        let harness = try await SharedBootstraps.buffered.value
        let http = try #require(bufferedHTTP(try await harness.invoke(functionURLEvent(method: "GET", path: "/v1/models"))))
        #expect(http.status == 200)
        let ids = (jsonObject(Array(http.body.utf8))?["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
        #expect(ids == ["echo", "glacial", "held", "long", "reset", "slow", "slow-stream"])
    }

    @Test(arguments: [
        (functionURLEvent(body: "{not json"), 400, "invalid_json"),
        (functionURLEvent(body: "[]"), 400, "invalid_json"),
        (functionURLEvent(body: nil), 400, "invalid_json"),
        (functionURLEvent(body: chatBody("echo", extra: #","api_base":"http://attacker.example/v1""#)), 400, "unknown_field"),
        (functionURLEvent(body: chatBody("echo", extra: #","mock_response":"pwned""#)), 400, "unknown_field"),
        (functionURLEvent(body: #"{"model":"echo","messages":[{"role":"wizard","content":"x"}]}"#), 400, "invalid_value"),
        (functionURLEvent(body: chatBody("echo", extra: #","temperature":7"#)), 400, "invalid_value"),
        (functionURLEvent(body: chatBody("gpt-4o")), 404, "model_not_found"),
        (functionURLEvent(path: "/v1/completions", body: "{}"), 404, "not_found"),
        (functionURLEvent(method: "DELETE", path: "/v1/models"), 405, "method_not_allowed"),
        (functionURLEvent(body: chatBody("echo", String(repeating: "x", count: 1_100_000))), 413, "request_too_large"),
    ])
    func malformedHTTPEventsGetOpenAIErrorsWithTheirStatus(event: String, status: Int, code: String) async throws {
        let harness = try await SharedBootstraps.buffered.value
        let result = try await harness.invoke(event)
        #expect(!result.isError)
        let http = try #require(bufferedHTTP(result))
        #expect(http.status == status)
        let error = jsonObject(Array(http.body.utf8))?["error"] as? [String: Any]
        #expect(error?["code"] as? String == code)
        #expect(error?["message"] is String)
        #expect(error?["type"] is String)
    }

    @Test func aBodyMarkedBase64ThatIsNotIsA400() async throws {
        let harness = try await SharedBootstraps.buffered.value
        var event = try #require(jsonObject(Array(functionURLEvent(body: "x", base64: true).utf8)))
        event["body"] = "!!!%%%"
        let text = String(decoding: try JSONSerialization.data(withJSONObject: event), as: UTF8.self)
        #expect(bufferedHTTP(try await harness.invoke(text))?.status == 400)
    }

    @Test(arguments: [
        ("not json at all", "Chat.InvalidJson", 400),
        ("42", "Chat.InvalidJson", 400),
        (chatBody("gpt-4o"), "Chat.ModelNotFound", 404),
        (chatBody("echo", extra: #","api_base":"http://attacker.example/v1""#), "Chat.UnknownField", 400),
        (chatBody("echo", extra: #","callbacks":["x"]"#), "Chat.UnknownField", 400),
        (#"{"model":"echo","messages":"hi"}"#, "Chat.InvalidType", 400),
    ])
    func malformedDirectInvokesFailWithTheErrorBody(event: String, errorType: String, status: Int) async throws {
        let harness = try await SharedBootstraps.buffered.value
        let result = try await harness.invoke(event)
        #expect(result.isError)
        #expect(result.final.endpoint == .error)
        #expect(result.errorType == errorType)
        let message = try #require(result.error?.errorMessage)
        let body = try #require(jsonObject(Array(message.utf8)))
        #expect(body["status"] as? Int == status)
        #expect((body["error"] as? [String: Any])?["type"] is String)
        #expect(harness.runtimeAPI.unexpectedRequests.isEmpty)
    }

    @Test func theDeadlineGivesA504BeforeLambdaWouldKillTheCall() async throws {
        let harness = try await SharedBootstraps.buffered.value
        // `glacial` would answer 200 after 10 minutes; the 2 s deadline must turn into a 504, however late a busy
        // machine runs its timer (a wall-clock check would also count the time this event waits behind other tests'
        // events in the shared process).
        let http = try #require(bufferedHTTP(try await harness.invoke(functionURLEvent(body: chatBody("glacial")), timeout: .seconds(2))))
        #expect(http.status == 504)
        let direct = try await harness.invoke(chatBody("glacial"), timeout: .seconds(2))
        #expect(direct.errorType == "Chat.Timeout")
    }

    @Test func logsCarryTheRequestIDButNoPrompt() async throws {
        let harness = try await SharedBootstraps.buffered.value
        let secretPrompt = "zebra-\(UInt32.random(in: 0...UInt32.max))-prompt"
        let id = try await harness.invoke(chatBody("echo", secretPrompt)).requestID
        try await Task.sleep(for: .milliseconds(200))
        let log = harness.child.log
        #expect(log.contains(id))
        #expect(!log.contains(secretPrompt))
        #expect(!log.contains(BootstrapHarness.providerKey))
    }
}

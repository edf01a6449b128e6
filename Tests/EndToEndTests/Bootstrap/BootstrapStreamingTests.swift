import Foundation
import RuntimeAPIFake
import Testing

@Suite("bootstrap, RESPONSE_STREAM mode, as a child process")
struct BootstrapStreamingTests {
    let auth = ["authorization": "Bearer \(SharedBootstraps.streamingAuthToken)"]

    @Test func aStreamedFunctionURLAnswerHasThePreludeThenOneChunkPerSSEEvent() async throws {
        let harness = try await SharedBootstraps.streaming.value
        let result = try await harness.invoke(functionURLEvent(body: chatBody("long", stream: true), headers: auth))
        #expect(!result.isError)
        let post = result.final
        #expect(post.isStreamed)
        #expect(post.isChunked)
        #expect(post.header("Content-Type") == "application/vnd.awslambda.http-integration-response")
        let (prelude, body) = try #require(streamedHTTP(result))
        #expect(prelude["statusCode"] as? Int == 200)
        #expect((prelude["headers"] as? [String: String])?["content-type"] == "text/event-stream")
        let events = sseEvents(body)
        #expect(events.last == "[DONE]")
        #expect(sseText(events) == "tok0 tok1 tok2 tok3 tok4 tok5 tok6 tok7")
        // The prelude, then each event, each in its own chunk.
        #expect(post.bodyPartCount == events.count + 1)
        #expect(post.trailers == nil || post.trailer("Lambda-Runtime-Function-Error-Type") == nil)
    }

    @Test func aWholeAnswerAndErrorsAlsoStreamBehindThePrelude() async throws {
        let harness = try await SharedBootstraps.streaming.value
        let ok = try #require(streamedHTTP(try await harness.invoke(functionURLEvent(body: chatBody("echo", "s"), headers: auth))))
        #expect(ok.prelude["statusCode"] as? Int == 200)
        #expect(jsonObject(Array(ok.body.utf8))?["object"] as? String == "chat.completion")
        let missing = try #require(streamedHTTP(try await harness.invoke(functionURLEvent(body: chatBody("nope"), headers: auth))))
        #expect(missing.prelude["statusCode"] as? Int == 404)
        #expect(((jsonObject(Array(missing.body.utf8))?["error"]) as? [String: Any])?["code"] as? String == "model_not_found")
        let bad = try #require(streamedHTTP(try await harness.invoke(functionURLEvent(body: chatBody("echo", extra: #","api_key":"sk-mine-1234567""#), headers: auth))))
        #expect(bad.prelude["statusCode"] as? Int == 400)
    }

    @Test func aMissingOrWrongBearerTokenIs401() async throws {
        let harness = try await SharedBootstraps.streaming.value
        for headers in [[:], ["authorization": "Bearer wrong-token"]] {
            let answer = try #require(streamedHTTP(try await harness.invoke(functionURLEvent(method: "GET", path: "/v1/models", headers: headers))))
            #expect(answer.prelude["statusCode"] as? Int == 401)
            #expect((answer.prelude["headers"] as? [String: String])?["www-authenticate"] == "Bearer")
        }
    }

    @Test func aStreamCutMidwayEndsWithAnSSEErrorEventAndTheErrorTrailers() async throws {
        let harness = try await SharedBootstraps.streaming.value
        let result = try await harness.invoke(functionURLEvent(body: chatBody("reset", stream: true), headers: auth))
        let post = result.final
        #expect(post.isStreamed)
        #expect(result.isError)
        #expect(post.header("Trailer")?.contains("Lambda-Runtime-Function-Error-Type") == true)
        #expect(post.errorType?.hasPrefix("Chat.") == true)
        let errorBody = try #require(post.error)
        #expect(errorBody.errorType == post.errorType)
        let (prelude, body) = try #require(streamedHTTP(result))
        #expect(prelude["statusCode"] as? Int == 200)
        let events = sseEvents(body)
        #expect(!events.contains("[DONE]"))
        #expect(events.last.flatMap { jsonObject(Array($0.utf8))?["error"] } != nil)
        #expect(!sseText(events).isEmpty)
    }

    @Test func aDirectStreamInvokeStreamsSSEWithoutAPrelude() async throws {
        let harness = try await SharedBootstraps.streaming.value
        let result = try await harness.invoke(chatBody("long", stream: true))
        #expect(result.final.isStreamed)
        #expect(result.final.header("Content-Type") == "text/event-stream")
        #expect(result.bodyString.hasPrefix("data: {"))
        #expect(sseText(sseEvents(result.bodyString)) == "tok0 tok1 tok2 tok3 tok4 tok5 tok6 tok7")
        // Without "stream": one completion, not streamed.
        let whole = try await harness.invoke(chatBody("echo"))
        #expect(!whole.final.isStreamed)
        #expect(jsonObject(whole.body)?["object"] as? String == "chat.completion")
    }

    @Test func theDeadlineMidStreamEndsWithATimeoutEventAndTrailers() async throws {
        let harness = try await SharedBootstraps.streaming.value
        // A 40 s stream against a 30 s deadline, counted from when the bootstrap takes the invocation. The stream must
        // have begun before the deadline (one that passes before the first chunk is a plain 504, not a cut stream),
        // and a busy machine can take many seconds to get a litellm call to its first chunk: 6 s lost that race.
        let result = try await harness.invoke(functionURLEvent(body: chatBody("slow-stream", stream: true), headers: auth), timeout: .seconds(30))
        #expect(result.errorType == "Chat.Timeout")
        let (_, body) = try #require(streamedHTTP(result))
        let last = try #require(sseEvents(body).last)
        #expect(((jsonObject(Array(last.utf8))?["error"]) as? [String: Any])?["code"] as? String == "timeout")
    }
}

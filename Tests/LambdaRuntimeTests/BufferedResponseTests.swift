import LambdaRuntime
import NIOCore
import RuntimeAPIFake
import Testing

extension LambdaRuntimeTests {
    @Suite("Buffered responses")
    struct BufferedResponseTests {
        @Test func bufferedWritesArePostedAsOneResponseOnFinish() async throws {
            let handler = TestHandler { event, writer, _ in
                try await writer.write(ByteBuffer(string: "echo: "))
                try await writer.write(event)
                try await writer.finish()
            }
            let (result, _) = try await withRuntime(handler) { fake in
                try await fake.waitForResult(try await fake.enqueue(event: #"{"n":1}"#))
            }
            #expect(result.final.endpoint == .response)
            #expect(result.final.status == 202)
            #expect(result.bodyString == #"echo: {"n":1}"#)
            #expect(!result.final.isChunked && !result.final.isStreamed)
            #expect(result.final.header("Content-Length") == "13")
            #expect(!result.isError)
        }

        @Test func writeAndFinishPostsTheResponse() async throws {
            let handler = TestHandler { _, writer, _ in try await writer.writeAndFinish(ByteBuffer(string: "done")) }
            let (result, _) = try await withRuntime(handler) { fake in
                try await fake.waitForResult(try await fake.enqueue(event: "{}"))
            }
            #expect(result.bodyString == "done")
            #expect(result.posts.count == 1)
        }

        @Test func handlerThatReturnsWithoutFinishingIsFinishedByTheLoop() async throws {
            let handler = TestHandler { _, writer, _ in try await writer.write(ByteBuffer(string: "partial")) }
            let (result, _) = try await withRuntime(handler) { fake in
                try await fake.waitForResult(try await fake.enqueue(event: "{}"))
            }
            #expect(result.final.endpoint == .response)
            #expect(result.bodyString == "partial")
        }

        @Test func handlerErrorIsPostedToErrorWithItsErrorType() async throws {
            let handler = TestHandler { _, _, _ in throw ModelUnavailable(errorMessage: "no \"gpt\" today") }
            let (result, _) = try await withRuntime(handler) { fake in
                try await fake.waitForResult(try await fake.enqueue(event: "{}"))
            }
            #expect(result.final.endpoint == .error)
            #expect(result.final.header("Lambda-Runtime-Function-Error-Type") == "Model.Unavailable")
            #expect(result.error == FunctionErrorBody(errorMessage: #"no "gpt" today"#, errorType: "Model.Unavailable", stackTrace: []))
            #expect(result.isError)
        }

        @Test func plainSwiftErrorIsReportedWithItsTypeName() async throws {
            struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }
            let handler = TestHandler { _, _, _ in throw Boom() }
            let (result, _) = try await withRuntime(handler) { fake in
                try await fake.waitForResult(try await fake.enqueue(event: "{}"))
            }
            #expect(result.errorType == "Boom")
            #expect(result.error?.errorMessage == "boom")
        }

        @Test func handlerErrorsDoNotEndTheLoop() async throws {
            let handler = TestHandler { event, writer, _ in
                if String(buffer: event) == "fail" { throw ModelUnavailable(errorMessage: "x") }
                try await writer.writeAndFinish(event)
            }
            let (results, loopError) = try await withRuntime(handler) { fake in
                var results: [InvocationResult] = []
                for event in ["fail", "ok", "fail", "ok"] {
                    results.append(try await fake.waitForResult(try await fake.enqueue(event: event)))
                }
                return results
            }
            #expect(results.map(\.isError) == [true, false, true, false])
            #expect(results[3].bodyString == "ok")
            #expect(loopError is CancellationError)
        }

        @Test func writeAfterFinishIsRejected() async throws {
            let seen = Recorder<LambdaRuntimeError.Code>()
            let handler = TestHandler { event, writer, _ in
                try await writer.writeAndFinish(ByteBuffer(string: "once"))
                guard String(buffer: event) == "first" else { return }
                do { try await writer.write(ByteBuffer(string: "twice")) } catch let error as LambdaRuntimeError {
                    seen.append(error.code)
                }
            }
            let (results, _) = try await withRuntime(handler) { fake in
                let first = try await fake.waitForResult(try await fake.enqueue(event: "first"))
                // The second invocation starts only after the first handler returned.
                let second = try await fake.waitForResult(try await fake.enqueue(event: "second"))
                return [first, second]
            }
            #expect(results.map(\.bodyString) == ["once", "once"])
            #expect(seen.all == [.invalidWriterState])
        }

        @Test func manyInvocationsInARowShareOneConnection() async throws {
            let handler = TestHandler { event, writer, context in
                try await writer.writeAndFinish(ByteBuffer(string: "\(context.requestID):\(String(buffer: event))"))
            }
            let count = 300
            let (outcome, _) = try await withRuntime(handler) { fake in
                var ids: [String] = []
                for index in 0..<count { ids.append(try await fake.enqueue(event: "\(index)")) }
                var bodies: [String] = []
                for id in ids { bodies.append(try await fake.waitForResult(id).bodyString) }
                return (ids, bodies, fake.servedInvocations, fake.acceptedConnections, fake.unexpectedRequests)
            }
            let (ids, bodies, served, connections, unexpected) = outcome
            #expect(bodies == ids.enumerated().map { "\($1):\($0)" })
            #expect(served == count)
            #expect(connections == 1)
            #expect(unexpected.isEmpty)
        }
    }
}

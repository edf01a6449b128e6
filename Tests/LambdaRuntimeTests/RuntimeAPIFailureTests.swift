import LambdaRuntime
import NIOCore
import RuntimeAPIFake
import Testing

extension LambdaRuntimeTests {
    @Suite("Runtime API refusals and failures")
    struct RuntimeAPIFailureTests {
        @Test func responseRefusedWith413IsReportedAsTooLargeAndTheLoopGoesOn() async throws {
            let seen = Recorder<LambdaRuntimeError.Code>()
            let handler = TestHandler { _, writer, _ in
                do { try await writer.writeAndFinish(ByteBuffer(repeating: UInt8(ascii: "x"), count: 1000)) } catch let error as LambdaRuntimeError {
                    seen.append(error.code)
                    throw error
                }
            }
            let (outcome, _) = try await withRuntime(handler) { fake in
                let tooLarge = try await fake.waitForResult(try await fake.enqueue(event: "{}", answer: .tooLarge))
                let next = try await fake.waitForResult(try await fake.enqueue(event: "{}"))
                return (tooLarge, next, fake.unexpectedRequests)
            }
            let (tooLarge, next, unexpected) = outcome
            #expect(tooLarge.posts.map(\.endpoint) == [.response, .error])
            #expect(tooLarge.posts.map(\.status) == [413, 202])
            #expect(tooLarge.errorType == "Function.ResponseSizeTooLarge")
            #expect(tooLarge.error?.errorMessage.contains("too large") == true)
            #expect(seen.all == [.responseTooLarge])
            #expect(next.final.status == 202)
            #expect(unexpected.isEmpty)
        }

        @Test func streamedResponseRefusedWith413FailsFinishButNotTheLoop() async throws {
            let seen = Recorder<LambdaRuntimeError.Code>()
            let handler = TestHandler { _, writer, _ in
                try await writer.beginStreaming(contentType: "text/plain")
                try await writer.write(ByteBuffer(string: "chunk"))
                do { try await writer.finish() } catch let error as LambdaRuntimeError { seen.append(error.code) }
            }
            let (outcome, _) = try await withRuntime(handler) { fake in
                let refused = try await fake.waitForResult(try await fake.enqueue(event: "{}", answer: .tooLarge))
                let next = try await fake.waitForResult(try await fake.enqueue(event: "{}"))
                return (refused, next)
            }
            let (refused, next) = outcome
            // Bytes already reached the invoker, so there is no /error to fall back on.
            #expect(refused.posts.map(\.status) == [413])
            #expect(refused.final.isChunked)
            #expect(seen.all == [.responseTooLarge])
            #expect(next.final.status == 202)
        }

        @Test func a500FromTheRuntimeAPIEndsTheLoopWithAFatalError() async throws {
            let fake = try await RuntimeAPIFake.start()
            let handler = TestHandler { _, writer, _ in try await writer.writeAndFinish(ByteBuffer(string: "ok")) }
            let loop = Task { try await LambdaRuntime.run(handler: handler, endpoint: fake.endpoint, logger: quietLogger) }
            let id = try await fake.enqueue(event: "{}", answer: .serverError)
            let result = try await fake.waitForResult(id)
            let error = await loopError(of: loop)
            try await fake.shutdown()
            #expect(result.final.status == 500)
            let runtimeError = try #require(error as? LambdaRuntimeError)
            #expect(runtimeError.code == .runtimeAPIServerError)
            #expect(runtimeError.isFatal)
            #expect(runtimeError.description.contains("500"))
        }

        @Test func a500IsFatalEvenWhenTheHandlerSwallowsIt() async throws {
            let fake = try await RuntimeAPIFake.start()
            let handler = TestHandler { _, writer, _ in try? await writer.writeAndFinish(ByteBuffer(string: "ok")) }
            let loop = Task { try await LambdaRuntime.run(handler: handler, endpoint: fake.endpoint, logger: quietLogger) }
            try await fake.enqueue(event: "{}", answer: .serverError)
            let error = await loopError(of: loop)
            try await fake.shutdown()
            #expect((error as? LambdaRuntimeError)?.code == .runtimeAPIServerError)
        }

        @Test func losingTheRuntimeAPIConnectionEndsTheLoop() async throws {
            let fake = try await RuntimeAPIFake.start()
            let handler = TestHandler { _, writer, _ in try await writer.finish() }
            let loop = Task { try await LambdaRuntime.run(handler: handler, endpoint: fake.endpoint, logger: quietLogger) }
            _ = try await fake.waitForResult(try await fake.enqueue(event: "{}"))  // the loop is now polling /next
            try await fake.shutdown()
            let error = await loopError(of: loop)
            let code = (error as? LambdaRuntimeError)?.code
            #expect(code == .connectionClosed || code == .connectionFailed)
        }

        @Test func unreachableRuntimeAPIFailsWithConnectionFailed() async throws {
            // Bind and release a port so nothing listens on it.
            let fake = try await RuntimeAPIFake.start()
            let endpoint = fake.endpoint
            try await fake.shutdown()
            let handler = TestHandler { _, _, _ in }
            let loop = Task { try await LambdaRuntime.run(handler: handler, endpoint: endpoint, logger: quietLogger) }
            let error = await loopError(of: loop)
            #expect((error as? LambdaRuntimeError)?.code == .connectionFailed)
        }

        @Test func malformedEndpointIsRejected() async throws {
            let handler = TestHandler { _, _, _ in }
            await #expect {
                try await LambdaRuntime.run(handler: handler, endpoint: "no-port-here", logger: quietLogger)
            } throws: { error in
                (error as? LambdaRuntimeError)?.code == .invalidRuntimeAPIEndpoint
            }
        }

        @Test func cancellingTheLoopWhileItPollsEndsItWithCancellation() async throws {
            let fake = try await RuntimeAPIFake.start()
            let handler = TestHandler { _, _, _ in }
            let loop = Task { try await LambdaRuntime.run(handler: handler, endpoint: fake.endpoint, logger: quietLogger) }
            while fake.acceptedConnections == 0 { try await Task.sleep(for: .milliseconds(5)) }
            loop.cancel()
            let error = await loopError(of: loop)
            try await fake.shutdown()
            #expect(error is CancellationError)
        }

        @Test func initErrorIsPostedToTheInitErrorEndpoint() async throws {
            let fake = try await RuntimeAPIFake.start()
            try await LambdaRuntime.reportInitError(
                ModelUnavailable(errorMessage: "import litellm failed"), endpoint: fake.endpoint, logger: quietLogger)
            let record = try await fake.waitForInitError(timeout: .seconds(5))
            try await fake.shutdown()
            #expect(record.errorType == "Model.Unavailable")
            #expect(record.error == FunctionErrorBody(errorMessage: "import litellm failed", errorType: "Model.Unavailable", stackTrace: []))
            #expect(fake.initErrors.count == 1)
        }
    }
}

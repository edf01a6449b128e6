import LambdaRuntime
import NIOCore
import RuntimeAPIFake
import Testing

extension LambdaRuntimeTests {
    @Suite("Runtime API refusals and failures")
    struct RuntimeAPIFailureTests {
        @Test func aResponseRefusedWith413EndsOnlyThatInvocationAndPostsNoError() async throws {
            let seen = Recorder<LambdaRuntimeError.Code>()
            let handler = TestHandler { event, writer, _ in
                let size = String(buffer: event) == "big" ? 4096 : 10
                do { try await writer.writeAndFinish(ByteBuffer(repeating: UInt8(ascii: "x"), count: size)) } catch let error as LambdaRuntimeError {
                    seen.append(error.code)
                    throw error
                }
            }
            let (outcome, loopError) = try await withRuntime(handler) { fake in
                fake.maxResponseBytes = 1000
                let tooLarge = try await fake.waitForResult(try await fake.enqueue(event: "big"))
                let next = try await fake.waitForResult(try await fake.enqueue(event: "small"))
                return (tooLarge, next, fake.unexpectedRequests)
            }
            let (tooLarge, next, unexpected) = outcome
            // The platform closed the invocation with the 413; an /error after it would be refused with 403.
            #expect(tooLarge.posts.map(\.endpoint) == [.response])
            #expect(tooLarge.posts.map(\.status) == [413])
            #expect(tooLarge.body.count == 4096)
            #expect(seen.all == [.responseTooLarge])
            #expect(next.final.status == 202)
            #expect(next.body.count == 10)
            #expect(unexpected.isEmpty)
            #expect(loopError is CancellationError)
        }

        @Test func anErrorRefusedBecauseThePlatformEndedTheInvocationIsNotFatal() async throws {
            let (started, start) = AsyncStream<String>.makeStream()
            let (expired, expire) = AsyncStream<Void>.makeStream()
            let handler = TestHandler { event, writer, context in
                guard String(buffer: event) == "expires" else { return try await writer.writeAndFinish(event) }
                start.yield(context.requestID)
                for await _ in expired { break }  // the platform has ended the invocation now
                throw ModelUnavailable(errorMessage: "too late")
            }
            let (outcome, loopError) = try await withRuntime(handler) { fake in
                // One poller: the second invocation is taken only after the first one's /error was answered.
                let first = try await fake.enqueue(event: "expires")
                var iterator = started.makeAsyncIterator()
                let id = await iterator.next()
                #expect(id == first)
                #expect(fake.expireInvocation(first))
                expire.yield()
                let next = try await fake.waitForResult(try await fake.enqueue(event: "fine"))
                return (next, fake.unexpectedRequests, fake.result(for: first))
            }
            let (next, unexpected, firstResult) = outcome
            #expect(next.bodyString == "fine")
            #expect(firstResult == nil)
            #expect(unexpected.count == 1)
            #expect(unexpected.first?.contains("/error") == true)
            #expect(loopError is CancellationError)
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

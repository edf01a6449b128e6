import LambdaRuntime
import Logging
import NIOCore
import RuntimeAPIFake
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LambdaRuntimeTests {
    @Suite("Concurrent pollers (AWS_LAMBDA_MAX_CONCURRENCY)")
    struct ConcurrentPollersTests {
        @Test func nPollersTakeNInvocationsAtOnceEachOnItsOwnConnection() async throws {
            let pollers = 4
            let gate = Gate()
            let handler = TestHandler { event, writer, context in
                await gate.wait()
                try await writer.writeAndFinish(ByteBuffer(string: "\(context.requestID) answers \(String(buffer: event))"))
            }
            let (results, most) = try await withPollers(handler, concurrency: pollers) { fake, _ in
                #expect(try await fake.waitForPolls(pollers) == pollers)
                var ids: [String] = []
                for index in 0..<pollers { ids.append(try await fake.enqueue(event: "prompt \(index)")) }
                // Nothing is answered until all four are in flight: only four pollers at once get there.
                #expect(await eventually { fake.invocationsInFlight == pollers })
                gate.open()
                var results: [InvocationResult] = []
                for id in ids { results.append(try await fake.waitForResult(id)) }
                return (results, fake.mostInvocationsInFlight)
            }
            #expect(most == pollers)
            #expect(results.enumerated().allSatisfy { $1.bodyString == "\($1.requestID) answers prompt \($0)" })
            #expect(Set(results.map(\.pollConnection)).count == pollers)
            #expect(results.allSatisfy { $0.final.connection == $0.pollConnection })
        }

        @Test func aSlowInvocationDoesNotHoldUpTheOthers() async throws {
            let gate = Gate()
            let handler = TestHandler { event, writer, _ in
                if String(buffer: event) == "slow" { await gate.wait() }
                try await writer.writeAndFinish(event)
            }
            let (fast, slow) = try await withPollers(handler, concurrency: 2) { fake, _ in
                let slowID = try await fake.enqueue(event: "slow")
                // Ten invocations answered one after another while the slow one is still open.
                var fast: [InvocationResult] = []
                for index in 0..<10 { fast.append(try await fake.waitForResult(try await fake.enqueue(event: "fast \(index)"))) }
                #expect(fake.result(for: slowID) == nil)
                gate.open()
                return (fast, try await fake.waitForResult(slowID))
            }
            #expect(fast.map(\.bodyString) == (0..<10).map { "fast \($0)" })
            #expect(fast.allSatisfy { $0.mostInFlight == 2 })
            #expect(slow.bodyString == "slow")
        }

        @Test func eachInvocationHasItsOwnContextAndTheEnvironmentIsLeftAlone() async throws {
            struct Seen: Sendable { let context: LambdaContext; let event: String; let traceEnvironment: String? }
            let pollers = 3
            let seen = Recorder<Seen>()
            let gate = Gate()
            let handler = TestHandler { event, writer, context in
                await gate.wait()
                seen.append(Seen(context: context, event: String(buffer: event),
                                 traceEnvironment: getenv("_X_AMZN_TRACE_ID").map { String(cString: $0) }))
                try await writer.finish()
            }
            setenv("_X_AMZN_TRACE_ID", "untouched", 1)
            defer { unsetenv("_X_AMZN_TRACE_ID") }
            let sent = try await withPollers(handler, concurrency: pollers) { fake, _ in
                try await fake.waitForPolls(pollers)
                var sent: [String: (trace: String, arn: String, clientContext: String, timeout: Int)] = [:]
                for index in 0..<pollers {
                    let trace = RuntimeAPIFake.makeTraceID()
                    let arn = "arn:aws:lambda:us-east-1:123456789012:function:chat:v\(index)"
                    let id = try await fake.enqueue(
                        event: "e\(index)", timeout: .seconds(100 * (index + 1)), functionARN: arn, traceID: trace,
                        clientContext: #"{"custom":{"n":\#(index)}}"#)
                    sent[id] = (trace, arn, #"{"custom":{"n":\#(index)}}"#, 100 * (index + 1))
                }
                #expect(await eventually { fake.invocationsInFlight == pollers })
                gate.open()
                for id in sent.keys { _ = try await fake.waitForResult(id) }
                return sent
            }
            let all = seen.all
            #expect(all.count == pollers)
            for observed in all {
                let expected = try #require(sent[observed.context.requestID])
                #expect(observed.context.traceID == expected.trace)
                #expect(observed.context.invokedFunctionARN == expected.arn)
                #expect(observed.context.clientContext == expected.clientContext)
                #expect(observed.event == "e\(expected.timeout / 100 - 1)")
                let remaining = observed.context.remainingTime
                #expect(remaining > .seconds(expected.timeout - 30) && remaining <= .seconds(expected.timeout))
                #expect(observed.context.logger[metadataKey: "requestID"] == "\(observed.context.requestID)")
                // Several pollers: the trace header is never written to the environment, where it would race.
                #expect(observed.traceEnvironment == "untouched")
            }
        }

        @Test func everyLogLineCarriesItsOwnRequestID() async throws {
            let lines = Recorder<String>()
            let logger = Logger(label: "test") { label in
                LambdaLogHandler(label: label, format: .json, logLevel: .info, output: { lines.append($0) })
            }
            let handler = TestHandler { event, writer, context in
                context.logger.info("handling", metadata: ["event": "\(String(buffer: event))"])
                if String(buffer: event).hasPrefix("fail") { throw ModelUnavailable(errorMessage: "no") }
                try await writer.writeAndFinish(event)
            }
            let outcome = try await withPollers(handler, concurrency: 4, logger: logger) { fake, _ in
                try await fake.waitForPolls(4)
                var ids: [String: String] = [:]
                for event in ["ok 1", "fail 1", "ok 2", "fail 2", "ok 3", "fail 3", "ok 4", "fail 4"] {
                    ids[try await fake.enqueue(event: event)] = event
                }
                for id in ids.keys { _ = try await fake.waitForResult(id) }
                // Each line was written before its invocation's post; taken now, before the teardown cancels.
                return (ids, lines.all)
            }
            let (ids, logged) = outcome
            var handled = 0, failed = 0
            for line in logged {
                let requestID = try #require(jsonField("requestId", line), "a line without a request id: \(line)")
                let event = try #require(ids[requestID], "a line with another test's request id: \(line)")
                if line.contains(#""message":"handling""#) {
                    handled += 1
                    #expect(line.contains(#""event":"\#(event)""#))
                }
                if line.contains(#""message":"invocation failed""#) {
                    failed += 1
                    #expect(event.hasPrefix("fail"), "\(line)")
                }
            }
            #expect(handled == 8)
            #expect(failed == 4)
        }

        @Test func aFatalRuntimeAPIErrorInOnePollerEndsThemAll() async throws {
            let handler = TestHandler { event, writer, _ in try await writer.writeAndFinish(event) }
            let outcome = try await withPollers(handler, concurrency: 3) { fake, serve in
                try await fake.waitForPolls(3)
                try await fake.enqueue(event: "{}", answer: .serverError)
                return await ending(of: serve)
            }
            guard case .failure(let error) = try #require(outcome) else {
                Issue.record("serve returned normally after a 500")
                return
            }
            #expect((error as? LambdaRuntimeError)?.code == .runtimeAPIServerError)
        }

        @Test(arguments: [(nil, 1), ("", 1), ("1", 1), ("16", 16), (" 4 ", 4)] as [(String?, Int)])
        func maxConcurrencyIsReadFromTheEnvironment(value: String?, expected: Int) throws {
            if let value { setenv("AWS_LAMBDA_MAX_CONCURRENCY", value, 1) } else { unsetenv("AWS_LAMBDA_MAX_CONCURRENCY") }
            defer { unsetenv("AWS_LAMBDA_MAX_CONCURRENCY") }
            #expect(try LambdaRuntime.maxConcurrency() == expected)
        }

        @Test(arguments: ["0", "-2", "many", "4.5"])
        func anInvalidMaxConcurrencyIsAConfigurationError(value: String) {
            setenv("AWS_LAMBDA_MAX_CONCURRENCY", value, 1)
            defer { unsetenv("AWS_LAMBDA_MAX_CONCURRENCY") }
            #expect {
                try LambdaRuntime.maxConcurrency()
            } throws: { error in
                (error as? LambdaRuntimeError)?.code == .invalidConfiguration
                    && "\(error)".contains("AWS_LAMBDA_MAX_CONCURRENCY") && "\(error)".contains(value)
            }
        }
    }
}

/// The string value of a top-level field of a JSON log line (the lines are flat and the values simple here).
func jsonField(_ name: String, _ line: String) -> String? {
    let marker = "\"\(name)\":\""
    guard let start = line.indices.first(where: { line[$0...].hasPrefix(marker) }) else { return nil }
    let rest = line[line.index(start, offsetBy: marker.count)...]
    return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
}

import LambdaRuntime
import NIOCore
import RuntimeAPIFake
import Testing

extension LambdaRuntimeTests {
    @Suite("The Runtime API fake with concurrent long-polls")
    struct ConcurrentPollingFakeTests {
        @Test func eachWaitingPollGetsItsOwnInvocationAndTheFakeRecordsWhatOverlapped() async throws {
            let fake = try await RuntimeAPIFake.start()
            let pollers = 6
            // Six clients, each on its own connection, each long-polling /next; none answers until all have one.
            let answered = try await withThrowingTaskGroup(of: (String, String).self) { group in
                for _ in 0..<pollers {
                    group.addTask {
                        try await LambdaRuntimeClient.withRuntimeClient(endpoint: fake.endpoint, logger: quietLogger) { client in
                            let (invocation, writer) = try await client.nextInvocation()
                            while fake.mostInvocationsInFlight < pollers { try await Task.sleep(for: .milliseconds(5)) }
                            try await writer.writeAndFinish(ByteBuffer(string: "answer to \(String(buffer: invocation.event))"))
                            try await writer.complete(handlerError: nil)
                            return (invocation.metadata.requestID, String(buffer: invocation.event))
                        }
                    }
                }
                #expect(try await fake.waitForPolls(pollers) == pollers)
                for index in 0..<pollers { try await fake.enqueue(event: "event \(index)", requestID: "id-\(index)") }
                var answered: [String: String] = [:]
                for try await (id, event) in group { answered[id] = event }
                return answered
            }
            var results: [InvocationResult] = []
            for index in 0..<pollers { results.append(try await fake.waitForResult("id-\(index)")) }
            try await fake.shutdown()

            #expect(answered == Dictionary(uniqueKeysWithValues: (0..<pollers).map { ("id-\($0)", "event \($0)") }))
            #expect(results.map(\.bodyString) == (0..<pollers).map { "answer to event \($0)" })
            #expect(Set(results.map(\.pollConnection)).count == pollers)
            // Each answer came back on the connection that polled for it.
            #expect(results.allSatisfy { $0.final.connection == $0.pollConnection })
            #expect(results.map(\.inFlightAtHandOut).sorted() == Array(1...pollers))
            #expect(results.allSatisfy { $0.mostInFlight == pollers })
            #expect(fake.mostInvocationsInFlight == pollers)
            #expect(fake.invocationsInFlight == 0)
            #expect(fake.unexpectedRequests.isEmpty)
        }

        @Test func oneAtATimeNeverOverlaps() async throws {
            let handler = TestHandler { event, writer, _ in try await writer.writeAndFinish(event) }
            let (results, _) = try await withRuntime(handler) { fake in
                var results: [InvocationResult] = []
                for index in 0..<5 { results.append(try await fake.waitForResult(try await fake.enqueue(event: "\(index)"))) }
                return (results, fake.mostInvocationsInFlight)
            }
            #expect(results.0.allSatisfy { $0.mostInFlight == 1 && $0.inFlightAtHandOut == 1 })
            #expect(results.1 == 1)
        }
    }
}

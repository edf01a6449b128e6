import Foundation
import LambdaRuntime
import Logging
import NIOCore
import NIOHTTP1
import RuntimeAPIFake
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LambdaRuntimeTests {
    @Suite("Invocation context")
    struct ContextTests {
        struct Seen: Sendable {
            let context: LambdaContext
            let traceEnvironment: String?
            let remaining: Duration
        }

        @Test func contextCarriesDeadlineARNTraceAndClientContext() async throws {
            let seen = Recorder<Seen>()
            let handler = TestHandler { _, writer, context in
                seen.append(Seen(
                    context: context, traceEnvironment: getenv("_X_AMZN_TRACE_ID").map { String(cString: $0) },
                    remaining: context.remainingTime))
                try await writer.finish()
            }
            let arn = "arn:aws:lambda:eu-west-1:111122223333:function:chat:live"
            let clientContext = #"{"client":{"installation_id":"abc"},"custom":{"k":"v"}}"#
            func epochMilliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
            let window = Recorder<Int64>()
            let (ids, _) = try await withRuntime(handler) { fake in
                window.append(epochMilliseconds())
                let first = try await fake.enqueue(
                    event: "{}", timeout: .seconds(30), functionARN: arn, traceID: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
                    clientContext: clientContext, cognitoIdentity: #"{"identityId":"id"}"#)
                _ = try await fake.waitForResult(first)
                window.append(epochMilliseconds())
                let second = try await fake.enqueue(event: "{}", traceID: nil)
                _ = try await fake.waitForResult(second)
                return [first, second]
            }
            let all = seen.all
            try #require(all.count == 2)
            let first = all[0]
            #expect(first.context.requestID == ids[0])
            #expect(first.context.invokedFunctionARN == arn)
            #expect(first.context.traceID == "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
            #expect(first.traceEnvironment == first.context.traceID)
            #expect(first.context.clientContext == clientContext)
            #expect(first.context.cognitoIdentity == #"{"identityId":"id"}"#)
            // The deadline is the hand-out time plus 30 s, and the hand-out came between enqueue and result (however long
            // a busy machine took between them).
            let (sent, answered) = (window.all[0], window.all[1])
            #expect((sent + 30_000)...(answered + 30_000) ~= first.context.deadlineMilliseconds)
            #expect(first.remaining <= .seconds(30))
            #expect(first.context.logger[metadataKey: "requestID"] == "\(ids[0])")
            // A missing trace header must not leave the previous invocation's trace in the environment.
            #expect(all[1].context.traceID == nil)
            #expect(all[1].traceEnvironment == nil)
            #expect(all[1].context.clientContext == nil)
        }

        @Test func deadlineIsTheEpochMillisecondsTheRuntimeAPISent() async throws {
            let seen = Recorder<Int64>()
            let handler = TestHandler { _, writer, context in
                seen.append(context.deadlineMilliseconds)
                try await writer.finish()
            }
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            let before = Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
            try await withRuntime(handler) { fake in
                _ = try await fake.waitForResult(try await fake.enqueue(event: "{}", timeout: .seconds(60)))
            }
            let deadline = try #require(seen.all.first)
            #expect(deadline >= before + 60_000 && deadline < before + 70_000)
        }

        @Test func remainingTimeIsNegativeOncePastTheDeadline() {
            let context = LambdaContext(requestID: "r", deadlineMilliseconds: 1_000, logger: quietLogger)
            #expect(context.remainingTime < .zero)
        }

        @Test func metadataWithoutRequestIDIsRejected() throws {
            #expect {
                try InvocationMetadata(headers: ["Lambda-Runtime-Deadline-Ms": "1"])
            } throws: { error in
                (error as? LambdaRuntimeError)?.code == .invalidInvocation
            }
        }
    }
}

import Foundation
import ProviderFakes
import Testing

/// `EMBEDCHAT_MAX_IN_FLIGHT` through the real binary: with the limit at 2 the upstream never sees more than two
/// requests at once while more are sent, every one is answered, and a waiting request whose client leaves never
/// reaches litellm. One process serves both checks.
@Suite("bootstrap --local admission queue", .serialized)
struct BootstrapAdmissionTests {
    @Test func theLimitHoldsRequestsInTurnAndDropsTheOnesWhoseClientLeft() async throws {
        let local = try await BootstrapLocalModeTests.startLocal(environment: ["EMBEDCHAT_MAX_IN_FLIGHT": "2", "LOG_LEVEL": "debug"]) { provider in
            ["brief": ["model": "openai/delay-300", "api_base": provider.openAIBase, "api_key_env": "FAKE_PROVIDER_KEY"]]
        }
        defer {
            local.child.stop()
            Task { try? await local.provider.shutdown() }
        }
        let port = try #require(URLComponents(string: local.base)?.port)
        try await eightRequestsAreAllAnsweredWithNoMoreThanTwoUpstreamAtOnce(port, local.provider)
        try await aWaitingRequestWhoseClientLeavesNeverReachesTheUpstream(port, local)
        #expect(local.child.process.isRunning, "the server stayed up: \(local.child.log)")
    }

    static func post(_ body: String) -> String {
        ["POST /v1/chat/completions HTTP/1.1", "Host: localhost", "Connection: close", "Content-Type: application/json",
         "Content-Length: \(body.utf8.count)"].joined(separator: "\r\n") + "\r\n\r\n" + body
    }

    func eightRequestsAreAllAnsweredWithNoMoreThanTwoUpstreamAtOnce(_ port: Int, _ provider: FakeProviderServer) async throws {
        provider.resetMostRequestsInFlight()
        let answers = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<8 {
                group.addTask {
                    try await onThread {
                        let connection = try RawHTTPConnection(port: port)
                        connection.send(Self.post(chatBody("brief", "turn \(index)")))
                        return (index, connection.readUntilClose().text)
                    }
                }
            }
            return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
        }
        #expect(answers.count == 8)
        for (index, text) in answers {
            #expect(RawHTTPConnection.status(text) == 200, "\(index): \(text)")
            #expect(text.contains("turn \(index)"), "\(index) got its own answer: \(text)")
        }
        #expect(provider.mostRequestsInFlight <= 2, "the upstream saw \(provider.mostRequestsInFlight) at once")
        #expect(provider.recordedRequests.filter { $0.bodyText.contains("turn ") }.count == 8)
    }

    func aWaitingRequestWhoseClientLeavesNeverReachesTheUpstream(_ port: Int, _ local: BootstrapLocalModeTests.LocalBootstrap) async throws {
        // Two requests are held at the provider, so they keep both turns until the test has seen the third leave; the
        // third, sent and abandoned, waits in the queue.
        defer { local.provider.releaseHeldAnswers() }  // a failed step must not leave the two held for ever
        async let first = onThread { () -> String in
            let connection = try RawHTTPConnection(port: port)
            connection.send(Self.post(chatBody("held", "holder one")))
            return connection.readUntilClose().text
        }
        async let second = onThread { () -> String in
            let connection = try RawHTTPConnection(port: port)
            connection.send(Self.post(chatBody("held", "holder two")))
            return connection.readUntilClose().text
        }
        while local.provider.requestsInFlight < 2 { try await Task.sleep(for: .milliseconds(20)) }
        do {
            // Sent, and kept open until the server says it waits behind the two (a debug line); then its socket closes
            // (end of scope).
            func waitLines() -> Int { local.child.log.components(separatedBy: "request waits for its turn").count - 1 }
            let queuedBefore = waitLines()
            let leaver = try RawHTTPConnection(port: port)
            leaver.send(Self.post(chatBody("echo", "the leaver")))
            var queued = false
            for _ in 0..<2400 where !queued {
                queued = waitLines() > queuedBefore
                if !queued { try await Task.sleep(for: .milliseconds(50)) }
            }
            try #require(queued, "the server never queued the leaver: \(local.child.log)")
        }
        // The server logs the leaver once it has seen its client go; nothing else outside says so.
        var left = false
        for _ in 0..<600 where !left {
            left = local.child.log.contains("request left the queue before its turn")
            if !left { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(left, "the server never reported the waiting request leaving: \(local.child.log)")
        local.provider.releaseHeldAnswers()
        #expect(RawHTTPConnection.status(try await first) == 200)
        #expect(RawHTTPConnection.status(try await second) == 200)
        // Its turn came and went: it never reached litellm's upstream call.
        #expect(!local.provider.recordedRequests.contains { $0.bodyText.contains("the leaver") })
        // The queue serves on.
        let after = try await onThread { () -> String in
            let connection = try RawHTTPConnection(port: port)
            connection.send(Self.post(chatBody("echo", "after the leaver")))
            return connection.readUntilClose().text
        }
        #expect(RawHTTPConnection.status(after) == 200, "\(after)")
    }
}

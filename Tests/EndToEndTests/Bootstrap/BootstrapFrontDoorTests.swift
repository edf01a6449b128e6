import Foundation
import ProviderFakes
import Testing

/// The local server's front door, through the real binary and raw sockets: what a browser page, a slow client, an
/// oversized client, an HTTP/1.0 client and a crowd get. One process with small limits serves every check.
@Suite("bootstrap --local front door", .serialized)
struct BootstrapFrontDoorTests {
    static let limits = [
        "EMBEDCHAT_LOCAL_MAX_CONNECTIONS": "6", "EMBEDCHAT_LOCAL_MAX_REQUESTS": "2", "EMBEDCHAT_LOCAL_READ_TIMEOUT_SECONDS": "3",
        "EMBEDCHAT_LOCAL_MAX_HEADER_BYTES": "2048", "EMBEDCHAT_MAX_REQUEST_BYTES": "4096",
    ]

    @Test func theFrontDoorKeepsItsLimits() async throws {
        let local = try await BootstrapLocalModeTests.startLocal(environment: Self.limits) { provider in
            // Three events, then the upstream stalls for good: only closing the connection ends the request.
            ["stall": ["model": "openai/long-20+stall-after-3", "api_base": provider.openAIBase, "api_key_env": "FAKE_PROVIDER_KEY"]]
        }
        defer {
            local.child.stop()
            Task { try? await local.provider.shutdown() }
        }
        #expect(local.base.hasPrefix("http://127.0.0.1:"), "binds loopback unless told otherwise: \(local.base)")
        let port = try #require(URLComponents(string: local.base)?.port)
        try await browsersAreRefused(port)
        try await requestsHTTPCannotReadGetA400WithAnOpenAIErrorBody(port)
        try await anOversizedBodyIsRefusedAtTheCapAndTheConnectionClosed(port)
        try await http10ClientsGetNoChunkedEncoding(port)
        try await aClientThatExpects100ContinueGetsItBeforeSendingItsBody(port)
        try await slowAndIdleClientsAreClosed(port)
        try await aClientThatLeavesMidStreamEndsTheUpstreamCall(port, local.provider)
        try await requestsOverTheCapGet503WithRetryAfter(port, local.provider)
        try await connectionsOverTheCapGet503WithRetryAfter(port)
        #expect(local.child.process.isRunning, "the server stayed up: \(local.child.log)")
    }

    static func post(_ body: String, headers: [String] = [], version: String = "1.1") -> String {
        let lines = ["POST /v1/chat/completions HTTP/\(version)", "Host: localhost", "Connection: close",
                     "Content-Length: \(body.utf8.count)"] + headers
        return lines.joined(separator: "\r\n") + "\r\n\r\n" + body
    }

    /// Sends `request` on a new connection and reads until the server closes it.
    func exchange(_ port: Int, _ request: String) async throws -> (text: String, closed: Bool) {
        try await onThread {
            let connection = try RawHTTPConnection(port: port)
            connection.send(request)
            return connection.readUntilClose()
        }
    }

    func browsersAreRefused(_ port: Int) async throws {
        let body = chatBody("echo", "from a page")
        let cases: [(headers: [String], status: Int, code: String)] = [
            (["Content-Type: text/plain"], 415, "unsupported_media_type"),
            (["Content-Type: application/x-www-form-urlencoded"], 415, "unsupported_media_type"),
            (["Content-Type: application/json", "Origin: http://evil.example"], 403, "origin_not_allowed"),
        ]
        for (headers, status, code) in cases {
            let answer = try await exchange(port, Self.post(body, headers: headers))
            #expect(RawHTTPConnection.status(answer.text) == status, "\(headers): \(answer.text)")
            #expect(answer.text.contains(code))
        }
        // DNS rebinding: the page's own name resolves to 127.0.0.1, so the request names it in Host.
        let rebound = Self.post(body, headers: ["Content-Type: application/json"]).replacingOccurrences(of: "Host: localhost", with: "Host: evil.example:7000")
        let answer = try await exchange(port, rebound)
        #expect(RawHTTPConnection.status(answer.text) == 403, "\(answer.text)")
        #expect(answer.text.contains("host_not_allowed"))
        // The same request from an OpenAI client passes.
        let served = try await exchange(port, Self.post(body, headers: ["Content-Type: application/json; charset=utf-8"]))
        #expect(RawHTTPConnection.status(served.text) == 200, "\(served.text)")
        #expect(served.text.contains("echo: from a page"))
    }

    /// What NIO's HTTP decoder refuses (headers over the cap, both `Content-Length` and `Transfer-Encoding`, an
    /// unknown method, a bad header name) gets a 400 with an OpenAI error body naming the fault, then a close; it was
    /// an empty 400 (found by a fuzzing session). Nothing of the request, its key above all, comes back.
    func requestsHTTPCannotReadGetA400WithAnOpenAIErrorBody(_ port: Int) async throws {
        let key = "Authorization: Bearer sk-door-secret"
        let body = chatBody("echo", "malformed")
        let cases: [(name: String, request: String, code: String, says: String)] = [
            ("headers over the cap", Self.post(body, headers: [key, "X-Padding: " + String(repeating: "p", count: 3000)]),
             "headers_too_large", "larger than 2048 bytes"),
            ("Content-Length and Transfer-Encoding", Self.post(body, headers: [key, "Content-Type: application/json", "Transfer-Encoding: chunked"]),
             "malformed_http", "Transfer-Encoding"),
            ("Transfer-Encoding, then Content-Length",
             "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n\(key)\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
             "malformed_http", "Transfer-Encoding"),
            ("an unknown method", "FETCH-SECRET /v1/models HTTP/1.1\r\nHost: localhost\r\n\(key)\r\n\r\n", "malformed_http", "method"),
            ("a header name with a space", "GET /v1/models HTTP/1.1\r\nHost: localhost\r\nBad Header-secret: x\r\n\(key)\r\n\r\n",
             "malformed_http", "header"),
        ]
        for (name, request, code, says) in cases {
            let answer = try await exchange(port, request)
            let parts = answer.text.components(separatedBy: "\r\n\r\n")
            let error = jsonObject(Array(parts.dropFirst().joined(separator: "\r\n\r\n").utf8))?["error"] as? [String: Any]
            #expect(RawHTTPConnection.status(answer.text) == 400, "\(name): \(answer.text)")
            #expect(parts[0].lowercased().contains("content-type: application/json"), "\(name): \(answer.text)")
            #expect(error?["type"] as? String == "invalid_request_error" && error?["code"] as? String == code, "\(name): \(answer.text)")
            #expect((error?["message"] as? String)?.contains(says) == true, "\(name): \(answer.text)")
            #expect(!answer.text.lowercased().contains("secret") && !answer.text.contains("ppp"), "\(name) echoed the request: \(answer.text)")
            #expect(answer.closed, "\(name)")
        }
    }

    func anOversizedBodyIsRefusedAtTheCapAndTheConnectionClosed(_ port: Int) async throws {
        // Announced too large: refused before a byte of the body is sent.
        let announced = try await exchange(port, "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n")
        #expect(RawHTTPConnection.status(announced.text) == 413, "\(announced.text)")
        #expect(announced.closed)
        // Chunked, with no length: refused once the cap is passed, while the client would still be sending.
        let chunked = try await onThread { () -> (text: String, closed: Bool, sentAll: Bool) in
            let connection = try RawHTTPConnection(port: port)
            connection.send("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            let chunk = "1000\r\n" + String(repeating: " ", count: 4096) + "\r\n"
            connection.send(chunk + chunk)
            let answer = connection.readUntilClose()
            // The server closed at the cap: sending a lot more fails instead of being read.
            var sentAll = true
            for _ in 0..<64 where sentAll { sentAll = connection.send(chunk + chunk + chunk + chunk) }
            return (answer.text, answer.closed, sentAll)
        }
        #expect(RawHTTPConnection.status(chunked.text) == 413, "\(chunked.text)")
        #expect(chunked.closed)
        #expect(!chunked.sentAll, "the server read a body far past its cap")
    }

    func http10ClientsGetNoChunkedEncoding(_ port: Int) async throws {
        let answer = try await exchange(port, Self.post(chatBody("long", stream: true), headers: ["Content-Type: application/json"], version: "1.0"))
        #expect(RawHTTPConnection.status(answer.text) == 200, "\(answer.text)")
        #expect(!answer.text.lowercased().contains("transfer-encoding"))
        #expect(answer.closed)
        let body = answer.text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        #expect(body.hasPrefix("data: {"), "the body is bare SSE, no chunk sizes: \(body.prefix(40))")
        #expect(sseText(sseEvents(body)) == "tok0 tok1 tok2 tok3 tok4 tok5 tok6 tok7")
        #expect(sseEvents(body).last == "[DONE]")
    }

    /// curl asks `Expect: 100-continue` for bodies over 1 KiB and waits about a second for it before sending anyway:
    /// the server answers it at once. Shown by the order of events: the `100 Continue` arrives before any byte of the
    /// body was sent (a server that never sends it fails the wait of a minute).
    func aClientThatExpects100ContinueGetsItBeforeSendingItsBody(_ port: Int) async throws {
        let body = chatBody("echo", "continued")
        let answer = try await onThread { () -> (continued: Bool, text: String) in
            let connection = try RawHTTPConnection(port: port)
            connection.send("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
            let continued = connection.readUntil("HTTP/1.1 100 Continue\r\n\r\n")
            connection.send(body)
            return (continued, connection.readUntilClose().text)
        }
        #expect(answer.continued, "no 100 Continue before the body")
        #expect(RawHTTPConnection.status(answer.text) == 200 && answer.text.contains("echo: continued"), "\(answer.text)")
    }

    func slowAndIdleClientsAreClosed(_ port: Int) async throws {
        // The read timeout is 3 s; each read below waits up to 60 s, so a server that never closes fails the test.
        let results = try await onThread { () -> [(text: String, closed: Bool)] in
            let idle = try RawHTTPConnection(port: port)
            let slowHead = try RawHTTPConnection(port: port)
            slowHead.send("POST /v1/chat/completions HTTP/1.1\r\nHost: local")
            let slowBody = try RawHTTPConnection(port: port)
            slowBody.send("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"mod")
            return [idle.readUntilClose(), slowHead.readUntilClose(), slowBody.readUntilClose()]
        }
        #expect(results[0].closed && results[0].text.isEmpty, "an idle connection is closed")
        #expect(results[1].closed, "a head that never ends is closed")
        #expect(results[2].closed)
        #expect(RawHTTPConnection.status(results[2].text) == 408, "a body that never ends gets a 408: \(results[2].text)")
    }

    func aClientThatLeavesMidStreamEndsTheUpstreamCall(_ port: Int, _ provider: FakeProviderServer) async throws {
        let firstEvent = try await onThread { () -> Bool in
            let connection = try RawHTTPConnection(port: port)
            connection.send(Self.post(chatBody("stall", stream: true), headers: ["Content-Type: application/json"]))
            return connection.readUntil("data: ")
        }
        #expect(firstEvent)
        // The client is gone (its socket closed above); the stalled upstream request must end with it.
        var waited = 0
        while provider.requestsInFlight > 0, waited < 600 {
            try await Task.sleep(for: .milliseconds(100))
            waited += 1
        }
        #expect(provider.requestsInFlight == 0, "the upstream request of a client that left is still open")
    }

    func requestsOverTheCapGet503WithRetryAfter(_ port: Int, _ provider: FakeProviderServer) async throws {
        // Two requests are held at the provider until the third has its answer; the cap is 2, so the third is
        // refused at once rather than queued.
        defer { provider.releaseHeldAnswers() }  // a failed step must not leave the two held for ever
        let held = Self.post(chatBody("held"), headers: ["Content-Type: application/json"])
        async let first = exchange(port, held)
        async let second = exchange(port, held)
        while provider.requestsInFlight < 2 { try await Task.sleep(for: .milliseconds(20)) }
        let third = try await exchange(port, Self.post(chatBody("echo"), headers: ["Content-Type: application/json"]))
        provider.releaseHeldAnswers()
        #expect(RawHTTPConnection.status(third.text) == 503, "\(third.text)")
        #expect(third.text.lowercased().contains("retry-after: 1"))
        #expect(RawHTTPConnection.status(try await first.text) == 200)
        #expect(RawHTTPConnection.status(try await second.text) == 200)
    }

    func connectionsOverTheCapGet503WithRetryAfter(_ port: Int) async throws {
        // Eight connections at once against a cap of six: at least two are refused at once with a 503; the rest are
        // admitted, and closed when they stay idle past the read timeout.
        let answers = try await onThread { () -> [String] in
            let connections = try (0..<8).map { _ in try RawHTTPConnection(port: port) }
            return connections.map { $0.readUntilClose().text }
        }
        let refused = answers.filter { RawHTTPConnection.status($0) == 503 }
        #expect(refused.count >= 2, "\(answers)")
        #expect(refused.allSatisfy { $0.lowercased().contains("retry-after: 1") && $0.contains("too_many_connections") })
        #expect(answers.allSatisfy { $0.isEmpty || RawHTTPConnection.status($0) == 503 }, "\(answers)")
        // Once they are gone, the server serves again.
        var served = false
        for _ in 0..<100 where !served {
            let models = try await exchange(port, "GET /v1/models HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            served = RawHTTPConnection.status(models.text) == 200
            if !served { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(served)
    }
}

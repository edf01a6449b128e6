import NIOCore

// A response as a list of steps the connection handler plays back on the event loop.

/// One step of a planned response.
enum ResponseStep: Sendable {
    /// Wait this many milliseconds (nothing is written meanwhile).
    case delay(Int)
    /// Send the status line and headers. Without a `content-length` header the body is chunked.
    case head(status: Int, headers: [(String, String)])
    /// Write and flush bytes of the body.
    case write([UInt8])
    /// End the response (the terminating chunk of a chunked body).
    case end
    /// Abort the connection with a TCP reset (SO_LINGER 0), after a short pause so earlier writes are read first.
    case reset
    /// Do nothing more: the connection stays open until the client closes it.
    case hang
    /// Wait until this many requests are in flight at the server at once (at most ``ResponsePlan/gateLimit``).
    case gate(Int)
    /// Wait until the test releases held answers (``FakeProviderServer/releaseHeldAnswers()``).
    case held
}

enum ResponsePlan {
    /// How long a `gate-N` answer waits for the others at most before it goes on anyway.
    static let gateLimit = TimeAmount.seconds(120)

    /// A whole response with a `content-length`.
    static func full(status: Int, contentType: String, body: [UInt8], headers: [(String, String)] = []) -> [ResponseStep] {
        [
            .head(status: status, headers: [("content-type", contentType), ("content-length", String(body.count))] + headers),
            .write(body),
            .end,
        ]
    }

    static func json(status: Int = 200, _ value: JSONValue, headers: [(String, String)] = []) -> [ResponseStep] {
        full(status: status, contentType: "application/json", body: value.bytes, headers: headers)
    }

    /// The common part of every reply: the pre-head delay and `hang`.
    static func preamble(_ scenario: Scenario) -> [ResponseStep] {
        (scenario.held ? [.held] : []) + (scenario.gate.map { [.gate($0)] } ?? []) + (scenario.delayMilliseconds > 0 ? [.delay(scenario.delayMilliseconds)] : [])
    }

    /// A streamed reply: `events` in order, with the scenario's per-chunk delay and faults applied.
    /// Faults count events: `reset-after-K` resets after the first K events were written, and so on.
    static func stream(
        scenario: Scenario,
        contentType: String,
        events: [[UInt8]],
        malformedEvent: [UInt8],
        errorEvent: [UInt8]
    ) -> [ResponseStep] {
        var steps: [ResponseStep] = [
            .head(status: 200, headers: [("content-type", contentType), ("cache-control", "no-cache")]),
        ]
        let splitMultibyte = scenario.content == .unicode
        for (i, event) in events.enumerated() {
            if scenario.resetAfter == i { return steps + [.reset] }
            if scenario.stallAfter == i { return steps + [.hang] }
            if scenario.malformedAfter == i { return steps + [.write(malformedEvent), .end] }
            if scenario.sseErrorAfter == i { return steps + [.write(errorEvent), .end] }
            if scenario.chunkDelayMilliseconds > 0 { steps.append(.delay(scenario.chunkDelayMilliseconds)) }
            if splitMultibyte, let cut = multibyteCut(event) {
                steps += [.write(Array(event[..<cut])), .delay(15), .write(Array(event[cut...]))]
            } else {
                steps.append(.write(event))
            }
        }
        if scenario.resetAfter != nil { return steps + [.reset] }
        if scenario.stallAfter != nil { return steps + [.hang] }
        return steps + [.end]
    }

    /// An index inside the first multi-byte UTF-8 character of `bytes` (after its lead byte), if there is one.
    static func multibyteCut(_ bytes: [UInt8]) -> Int? {
        guard let lead = bytes.firstIndex(where: { $0 >= 0xC0 }), lead + 1 < bytes.count else { return nil }
        return lead + 1
    }

    /// Prefixes the scenario's delay; turns `hang` into a response that never comes.
    static func wrap(_ scenario: Scenario, _ steps: [ResponseStep]) -> [ResponseStep] {
        if scenario.hang { return preamble(scenario) + [.hang] }
        return preamble(scenario) + steps
    }
}

/// SSE framing.
enum SSE {
    static func data(_ value: JSONValue) -> [UInt8] {
        Array("data: ".utf8) + value.bytes + Array("\n\n".utf8)
    }

    static func data(_ text: String) -> [UInt8] { Array("data: \(text)\n\n".utf8) }

    static func event(_ name: String, _ value: JSONValue) -> [UInt8] {
        Array("event: \(name)\ndata: ".utf8) + value.bytes + Array("\n\n".utf8)
    }
}

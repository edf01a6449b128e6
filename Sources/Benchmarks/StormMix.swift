import Foundation

/// The kinds of request a storm mixes, and what counts as a right answer to each.
enum StormKind: String, CaseIterable, Sendable {
    // Good requests.
    case buffered, streamed
    // Every bad input of the validation tests.
    case notJSON, notAnObject, unknownField, litellmKeyword, badRole, badTemperature, unknownModel, unknownPath,
         wrongMethod, tooLarge, textPlain, foreignHost
    // Upstream faults (ProviderFakes scenarios).
    case upstream429, upstream500, cutStream, slowAnswer, upstreamReset
    // Client faults (the local server only): a client that leaves mid-stream, one that never reads its answer.
    case leavesMidStream, neverReads

    var isClientFault: Bool { self == .leavesMidStream || self == .neverReads }
    var isUpstreamFault: Bool { [.upstream429, .upstream500, .cutStream, .slowAnswer, .upstreamReset].contains(self) }
    /// Checked by the local server's front door only (a Lambda event has no socket and no browser behind it).
    var isLocalOnly: Bool { isClientFault || self == .textPlain || self == .foreignHost }

    /// The statuses that are a right answer (a 503 from a full server is always one too).
    var expected: Set<Int> {
        switch self {
        case .buffered, .streamed, .slowAnswer, .cutStream, .leavesMidStream, .neverReads: [200]
        case .notJSON, .notAnObject, .unknownField, .litellmKeyword, .badRole, .badTemperature: [400]
        case .unknownModel, .unknownPath: [404]
        case .wrongMethod: [405]
        case .tooLarge: [413]
        case .textPlain: [415]
        case .foreignHost: [403]
        case .upstream429: [429]
        case .upstream500, .upstreamReset: [500, 502, 503]
        }
    }

    /// The public models of the storm's `EMBEDCHAT_MODELS` and the ProviderFakes scenario behind each.
    static let models: [String: String] = [
        "echo": "openai/echo", "long": "openai/long-8", "e429": "openai/status-429", "e500": "openai/status-500",
        "cut": "openai/long-20+reset-after-3", "slow": "openai/delay-200", "reset": "openai/reset",
        "stall": "openai/long-20+stall-after-3", "big": "openai/long-200",
    ]
}

/// One request of the storm, as the local server and as a Function URL event see it.
struct StormRequest: Sendable {
    let index: Int
    let kind: StormKind
    /// A text that must never appear in a log line.
    let prompt: String
    var method = "POST"
    var path = "/v1/chat/completions"
    var contentType = "application/json"
    var host = "localhost"
    var body: String

    /// The `index`-th request of a storm: the kinds in turn, the order shuffled by a fixed seed so that each window of
    /// requests in flight holds a mix.
    static func make(_ index: Int, kinds: [StormKind], maxBodyBytes: Int) -> StormRequest {
        let kind = kinds[index % kinds.count]
        let prompt = "storm-prompt-\(index)-\(UInt32.random(in: 0...UInt32.max))"
        func chat(_ model: String, stream: Bool = false, extra: String = "") -> String {
            #"{"model":"\#(model)","messages":[{"role":"user","content":"\#(prompt)"}]\#(stream ? #","stream":true"# : "")\#(extra)}"#
        }
        var request = StormRequest(index: index, kind: kind, prompt: prompt, body: chat("echo"))
        switch kind {
        case .buffered: break
        case .streamed: request.body = chat("long", stream: true)
        case .notJSON: request.body = "{not json " + prompt
        case .notAnObject: request.body = "[\"\(prompt)\"]"
        case .unknownField: request.body = chat("echo", extra: #","api_base":"http://attacker.example/v1""#)
        case .litellmKeyword: request.body = chat("echo", extra: #","mock_response":"pwned""#)
        case .badRole: request.body = #"{"model":"echo","messages":[{"role":"wizard","content":"\#(prompt)"}]}"#
        case .badTemperature: request.body = chat("echo", extra: #","temperature":7"#)
        case .unknownModel: request.body = chat("gpt-4o")
        case .unknownPath: request.path = "/v1/completions"
        case .wrongMethod:
            request.method = "DELETE"
            request.path = "/v1/models"
            request.body = ""
        case .tooLarge: request.body = chat("echo", extra: #","user":"\#(String(repeating: "x", count: maxBodyBytes))""#)
        case .textPlain: request.contentType = "text/plain"
        case .foreignHost: request.host = "rebound.example:7000"
        case .upstream429: request.body = chat("e429")
        case .upstream500: request.body = chat("e500")
        case .cutStream: request.body = chat("cut", stream: true)
        case .slowAnswer: request.body = chat("slow")
        case .upstreamReset: request.body = chat("reset")
        case .leavesMidStream: request.body = chat("stall", stream: true)
        case .neverReads: request.body = chat("big", stream: true)
        }
        return request
    }

    /// The request as HTTP/1.1 bytes on a connection of its own.
    var http: [UInt8] {
        let head = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\nContent-Type: \(contentType)\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
        return Array(head.utf8) + Array(body.utf8)
    }

    /// The request as a Function URL (payload 2.0) event.
    var functionURLEvent: String {
        let event: [String: Any] = [
            "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "", "isBase64Encoded": false,
            "headers": ["content-type": contentType, "host": "storm.lambda-url.us-east-1.on.aws"],
            "requestContext": [
                "http": ["method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7", "userAgent": "storm"],
                "requestId": "storm-\(index)", "domainName": "storm.lambda-url.us-east-1.on.aws",
            ] as [String: Any],
            "body": body,
        ]
        return String(decoding: (try? JSONSerialization.data(withJSONObject: event)) ?? Data(), as: UTF8.self)
    }
}

/// How one request ended.
enum StormOutcome: Sendable {
    /// A right answer (or, for a client fault, the client did what it meant to).
    case answered
    /// 503 with `retry-after`: the server refused more than it serves.
    case refused
    /// The server closed the connection without an answer.
    case closed
    /// A wrong status or body.
    case wrong(String)
    /// No answer and no close within the budget.
    case hung
}

import Foundation
import LiteLLM
import Logging

/// A streamed completion as OpenAI's server-sent events: `data: {chunk}\n\n` per chunk, then `data: [DONE]\n\n`.
///
/// Iterate it once, with ``send(_:)`` or ``collect()``. When it ends (or fails) its metrics line is written and the
/// tokens it used are counted against the caller.
public struct ChatEventStream: Sendable {
    let stream: ChatCompletionStream
    let modelName: String
    let logger: Logger
    /// Whether the caller asked for the usage chunk (`stream_options.include_usage`); the provider is always asked
    /// for it, so the gateway can count tokens, and it is dropped here when the caller did not ask.
    let callerWantsUsage: Bool
    let record: RequestMetrics
    let finished: @Sendable (RequestMetrics) -> Void
    /// The response headers: `text/event-stream`, and the gateway's (`x-embedchat-deployment`, ...).
    public let headers: [String: String]

    /// The `[DONE]` event.
    public static let done = Array("data: [DONE]\n\n".utf8)

    /// Sends every event through `write`, each as one call.
    ///
    /// A failure after the stream began (the provider cut the stream, the deadline passed) is sent as an SSE error
    /// event (`data: {"error": ...}`, so OpenAI clients raise it) and then thrown as a ``ChatError``, so a Lambda
    /// transport can end the response with the Runtime API's error trailers.
    /// - Parameter write: Sends one event's bytes.
    /// - Throws: ``ChatError`` for a failure of the completion (after its error event was written), or what
    ///   `write` throws.
    public func send(_ write: ([UInt8]) async throws -> Void) async throws {
        var chunks = 0
        var record = record
        let callStarted = ContinuousClock.now
        defer {
            record.providerTime += ContinuousClock.now - callStarted
            finished(record)
        }
        var iterator = stream.makeAsyncIterator()
        while true {
            let chunk: ChatCompletionChunk?
            do {
                chunk = try await iterator.next()
            } catch {
                stream.close()
                let failure = ChatError.from(error)
                record.status = failure.status
                logger.error("stream failed after it began", metadata: [
                    "model": "\(modelName)", "status": "\(failure.status)", "code": "\(failure.code)",
                    "error": "\(failure.message)", "chunks": "\(chunks)",
                    "detail": "\(Redactor.loggable(failure.detail ?? "-"))",
                ])
                try await write(failure.event)
                throw failure
            }
            guard var chunk else { break }
            if record.timeToFirstToken == nil { record.timeToFirstToken = ContinuousClock.now - record.started }
            if let usage = chunk.usage {
                record.promptTokens = usage.promptTokens
                record.completionTokens = usage.completionTokens
                if !callerWantsUsage {
                    chunk.usage = nil
                    if chunk.choices.isEmpty { continue }
                }
            }
            chunks += 1
            chunk.model = modelName
            try await write(JSON.sseEvent(try JSON.encode(chunk)))
        }
        try await write(Self.done)
        logger.info("stream answered", metadata: [
            "model": "\(modelName)", "status": "200", "chunks": "\(chunks)",
            "durationMs": "\((ContinuousClock.now - record.started).milliseconds)",
            "promptTokens": "\(record.promptTokens)", "completionTokens": "\(record.completionTokens)",
        ])
    }

    /// Reads the whole stream into one `text/event-stream` body, for transports that cannot stream.
    /// - Returns: The SSE text, or the error that cut the stream (nothing has been sent yet, so the caller can still
    ///   answer with the error's status).
    public func collect() async -> Result<[UInt8], ChatError> {
        var body: [UInt8] = []
        do {
            try await send { body += $0 }
            return .success(body)
        } catch {
            return .failure(ChatError.from(error))
        }
    }
}

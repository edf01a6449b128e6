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
    /// The prompt's tokens by the gateway's own count, for a stream that ended before the provider's usage chunk
    /// (the client left, or the stream was cut): the tokens it used are still charged to the caller.
    var countPromptTokens: @Sendable () async -> Int = { 0 }
    /// The response headers: `text/event-stream`, and the gateway's (`x-embedchat-deployment`, ...).
    public let headers: [String: String]

    /// The `[DONE]` event.
    public static let done = Array("data: [DONE]\n\n".utf8)

    /// Sends every event through `write`, each as one call.
    ///
    /// A failure after the stream began (the provider cut the stream, the deadline passed) is sent as an SSE error
    /// event (`data: {"error": ...}`, so OpenAI clients raise it) and then thrown as a ``ChatError``, so a Lambda
    /// transport can end the response with the Runtime API's error trailers. A client that goes away (`write` throws,
    /// or the task is cancelled) is recorded as status 499 (the client closed the request).
    ///
    /// A stream that ends without the provider's usage chunk still charges its caller: each chunk that carried output
    /// counts as at least one completion token, and the prompt's tokens are counted by the gateway.
    /// - Parameter write: Sends one event's bytes.
    /// - Throws: ``ChatError`` for a failure of the completion (after its error event was written), or what
    ///   `write` throws.
    public func send(_ write: ([UInt8]) async throws -> Void) async throws {
        var record = record
        var progress = Progress()
        let callStarted = ContinuousClock.now
        do {
            try await pump(write, &record, &progress)
        } catch {
            await finish(&record, progress, callStarted)
            throw error
        }
        await finish(&record, progress, callStarted)
    }

    /// What a stream delivered, for its accounting.
    private struct Progress {
        var chunks = 0
        /// Chunks that carried output (content, reasoning or a tool call's fragment).
        var outputChunks = 0
        var sawUsage = false
    }

    private func pump(_ write: ([UInt8]) async throws -> Void, _ record: inout RequestMetrics, _ progress: inout Progress) async throws {
        var iterator = stream.makeAsyncIterator()
        while true {
            let chunk: ChatCompletionChunk?
            do {
                chunk = try await iterator.next()
            } catch is CancellationError {
                stream.close()
                record.status = 499  // the client went away; there is nobody to send an error event to
                throw CancellationError()
            } catch {
                stream.close()
                let failure = ChatError.from(error)
                record.status = failure.status
                logger.error("stream failed after it began", metadata: [
                    "model": "\(modelName)", "status": "\(failure.status)", "code": "\(failure.code)",
                    "error": "\(failure.message)", "chunks": "\(progress.chunks)",
                    "detail": "\(Redactor.loggable(failure.detail ?? "-"))",
                ])
                try await deliver(failure.event, write, &record)
                throw failure
            }
            guard var chunk else { break }
            if record.timeToFirstToken == nil { record.timeToFirstToken = ContinuousClock.now - record.started }
            if let usage = chunk.usage {
                progress.sawUsage = true
                record.promptTokens = usage.promptTokens
                record.completionTokens = usage.completionTokens
                if !callerWantsUsage {
                    chunk.usage = nil
                    if chunk.choices.isEmpty { continue }
                }
            }
            let carriesOutput = chunk.choices.contains { $0.delta.content?.isEmpty == false
                || $0.delta.reasoningContent?.isEmpty == false || $0.delta.toolCalls?.isEmpty == false }
            progress.chunks += 1
            chunk.model = modelName
            try await deliver(JSON.sseEvent(try JSON.encode(chunk)), write, &record)
            if carriesOutput { progress.outputChunks += 1 }  // counted once delivered
        }
        try await deliver(Self.done, write, &record)
        logger.info("stream answered", metadata: [
            "model": "\(modelName)", "status": "200", "chunks": "\(progress.chunks)",
            "durationMs": "\((ContinuousClock.now - record.started).milliseconds)",
            "promptTokens": "\(record.promptTokens)", "completionTokens": "\(record.completionTokens)",
        ])
    }

    /// Writes one event; a write that fails is the client gone (499), unless the stream had failed already.
    private func deliver(_ bytes: [UInt8], _ write: ([UInt8]) async throws -> Void, _ record: inout RequestMetrics) async throws {
        do {
            try await write(bytes)
        } catch {
            if record.status < 400 { record.status = 499 }
            throw error
        }
    }

    private func finish(_ record: inout RequestMetrics, _ progress: Progress, _ callStarted: ContinuousClock.Instant) async {
        record.providerTime += ContinuousClock.now - callStarted
        if !progress.sawUsage {
            record.completionTokens = max(record.completionTokens, progress.outputChunks)
            // In a task of its own: the request's task may be cancelled (its client left), and the count must run.
            let count = countPromptTokens
            record.promptTokens = max(record.promptTokens, await Task { await count() }.value)
        }
        finished(record)
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

import ConversationLog
import Foundation
import LiteLLM

/// Runs the items with at most `concurrency` in flight and writes results in input order.
struct BatchRunner: Sendable {
    let client: LiteLLMClient
    let settings: ModelSettings
    let concurrency: Int
    let recorder: Recorder

    /// - Returns: the number of lines that failed.
    func run(_ items: [BatchItem], showUsage: Bool) async throws -> Int {
        let progress = ProgressBar(total: items.count)
        var failed = 0
        var done = 0
        var promptTokens = 0, completionTokens = 0
        var cost = 0.0, costKnown = true
        await withTaskGroup(of: (Int, BatchResult).self) { group in
            var next = 0
            var written = 0
            var ready: [Int: BatchResult] = [:]
            progress.update(done: 0, failed: 0)
            while next < min(concurrency, items.count) {
                let index = next, item = items[index]
                group.addTask { (index, await self.answer(item)) }
                next += 1
            }
            while let (index, result) = await group.next() {
                done += 1
                if result.error != nil { failed += 1 }
                if let usage = result.response?.usage {
                    promptTokens += usage.promptTokens
                    completionTokens += usage.completionTokens
                }
                if let lineCost = result.response?.cost { cost += lineCost } else if result.response != nil { costKnown = false }
                ready[index] = result
                while let result = ready.removeValue(forKey: written) {
                    progress.finish()
                    Terminal.out(result.json + "\n")
                    written += 1
                }
                progress.update(done: done, failed: failed)
                if next < items.count && !Task.isCancelled {
                    let index = next, item = items[index]
                    group.addTask { (index, await self.answer(item)) }
                    next += 1
                }
            }
        }
        progress.finish()
        try Task.checkCancellation()
        if showUsage {
            Terminal.err(UsageReport.batchLine(answered: items.count - failed, of: items.count, promptTokens: promptTokens,
                                               completionTokens: completionTokens, cost: costKnown ? cost : nil) + "\n")
        }
        return failed
    }

    /// Logs one answered line as a conversation of its own (the log's failures are reported, never the line's).
    private func log(_ request: ChatCompletionRequest, _ response: ChatCompletion, started: Date, latency: Duration) async {
        guard recorder.log != nil else { return }
        var answer = Answer(text: response.text ?? "", usage: response.usage, cost: response.cost)
        if let calls = response.choices.first?.message.toolCalls, !calls.isEmpty { answer.toolCallsJSON = JSONLines.encode(calls) }
        let prompt = request.messages.last { $0.role == .user }?.text ?? ""
        let system = request.messages.first { $0.role == .system }?.text
        await recorder.record(Exchange(model: request.model, prompt: prompt, system: system, answer: answer, startedAt: started,
                                       latencyMilliseconds: latency.milliseconds),
                              conversationID: LogEntry.newConversationID())
    }

    private func answer(_ item: BatchItem) async -> BatchResult {
        var result = BatchResult(line: item.line, customID: item.customID)
        switch item.request {
        case .failure(let error):
            result.error = error
        case .success(let request):
            do {
                let started = Date(), clock = ContinuousClock.now
                let response = try await client.complete(request, settings: settings.provider, timeout: settings.timeout)
                result.response = response
                await log(request, response, started: started, latency: ContinuousClock.now - clock)
            } catch let error as LiteLLMError {
                result.error = BatchError(type: error.kind.name, status: error.statusCode,
                                          message: CLIFailure.oneLine(CLIFailure.stripPrefixes(error.message), limit: 1000),
                                          provider: error.provider)
            } catch is CancellationError {
                result.error = BatchError(type: "cancelled", status: nil, message: "interrupted")
            } catch {
                result.error = BatchError(type: "other", status: nil, message: "\(error)")
            }
        }
        return result
    }
}

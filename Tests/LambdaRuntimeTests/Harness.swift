import LambdaRuntime
import Logging
import NIOCore
import RuntimeAPIFake
import TestSupport
import Synchronization

/// A Sendable handler made of a closure, so the run loop can live in its own task.
struct TestHandler: StreamingLambdaHandler, Sendable {
    let body: @Sendable (ByteBuffer, any LambdaResponseStreamWriter, LambdaContext) async throws -> Void

    init(_ body: @escaping @Sendable (ByteBuffer, any LambdaResponseStreamWriter, LambdaContext) async throws -> Void) {
        self.body = body
    }

    func handle(_ event: ByteBuffer, responseWriter: some LambdaResponseStreamWriter, context: LambdaContext) async throws {
        try await body(event, responseWriter, context)
    }
}

/// An error that picks its own Runtime API error type.
struct ModelUnavailable: LambdaFunctionError {
    let errorType = "Model.Unavailable"
    let errorMessage: String
}

/// A value shared between the handler task and the test.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
}

/// Emits nothing but keeps metadata (the no-op handler drops it), so tests can read the context logger's metadata.
let quietLogger = Logger(label: "test") { label in
    LambdaLogHandler(label: label, format: .text, logLevel: .critical, output: { _ in })
}

/// Starts a fake, runs the real client and loop against it in a child task, runs `body`, then stops both.
/// - Returns: What `body` returns and how the loop ended (it only ends by throwing).
@discardableResult
func withRuntime<R: Sendable>(
    _ handler: TestHandler,
    _ body: (RuntimeAPIFake) async throws -> R
) async throws -> (R, loopError: (any Error)?) {
    let fake = try await RuntimeAPIFake.start()
    let loop = Task { try await LambdaRuntime.run(handler: handler, endpoint: fake.endpoint, logger: quietLogger) }
    do {
        let value = try await body(fake)
        loop.cancel()
        let loopError: (any Error)? = switch await loop.result { case .failure(let error): error }
        try await fake.shutdown()
        return (value, loopError)
    } catch {
        loop.cancel()
        _ = await loop.result
        try? await fake.shutdown()
        throw error
    }
}

/// Waits for the loop task to end on its own, bounded so a bug fails the test instead of hanging it.
func loopError(of loop: Task<Never, any Error>, within timeout: Duration = .seconds(10)) async -> (any Error)? {
    await withTaskGroup(of: (any Error)?.self) { group in
        group.addTask { switch await loop.result { case .failure(let error): error } }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        loop.cancel()
        return first
    }
}

/// Like ``withRuntime(_:_:)`` with `concurrency` pollers through `LambdaRuntime.serve`; the serve task is handed to
/// `body` too, so a test can wait for it to end on its own (after a drain).
@discardableResult
func withPollers<R: Sendable>(
    _ handler: TestHandler,
    concurrency: Int,
    shutdown: GracefulShutdown? = nil,
    logger: Logger = quietLogger,
    _ body: (RuntimeAPIFake, Task<Void, any Error>) async throws -> R
) async throws -> R {
    let fake = try await RuntimeAPIFake.start()
    let serve = Task {
        try await LambdaRuntime.serve(handler: handler, endpoint: fake.endpoint, concurrency: concurrency, shutdown: shutdown, logger: logger)
    }
    defer { serve.cancel() }
    do {
        let value = try await body(fake, serve)
        serve.cancel()
        _ = await serve.result
        try await fake.shutdown()
        return value
    } catch {
        serve.cancel()
        _ = await serve.result
        try? await fake.shutdown()
        throw error
    }
}

/// Waits for `task` to end on its own, bounded so a bug fails the test instead of hanging it; `nil` if it did not.
func ending(of task: Task<Void, any Error>, within timeout: Duration = .seconds(20)) async -> Result<Void, any Error>? {
    await value(of: { await task.result }, within: timeout)
}

/// A gate handlers wait at until the test opens it.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { s in
                if s.open { return true }
                s.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { s in
            s.open = true
            defer { s.waiters.removeAll() }
            return s.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// Polls `condition` every few milliseconds until it holds, for at most `timeout`; says whether it held.
func eventually(within timeout: Duration = .seconds(20), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return true
}

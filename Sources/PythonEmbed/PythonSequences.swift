import CPythonShim
import Synchronization

/// A Python async iterator (an async generator, litellm's stream wrapper) as a Swift `AsyncSequence`.
///
/// One pump task on the ``PythonEventLoop`` pulls the iterator from the first `next()` on, at most `readAhead`
/// items ahead of the consumer (back-pressure), and hands each item over as it arrives: no task, coroutine or
/// thread hand-off per item, and the next item is on its way while the consumer handles this one. Elements are
/// converted on the loop thread while the GIL is held. Cancelling the consuming task, closing the sequence or
/// dropping it before the end cancels the pull in progress and closes the iterator; a pending `next()` then
/// returns `nil` (or throws `CancellationError` in the cancelled task). An exception raised midway is thrown from
/// `next()` after the elements that came before it.
public struct PythonAsyncSequence<Element: Sendable>: AsyncSequence, Sendable {
    private let source: Source

    /// - Parameters:
    ///   - iterator: the async iterator (or async iterable: its `__aiter__()` is taken).
    ///   - loop: the loop to pull on.
    ///   - readAhead: how many items the pump may pull beyond what the consumer has taken.
    ///   - convert: turns each item into an element, on the loop thread with the GIL held.
    public init(_ iterator: borrowing PyRef, loop: PythonEventLoop, readAhead: Int = 8, _ gil: borrowing GIL,
                convert: @escaping @Sendable (borrowing PyRef, borrowing GIL) throws -> Element) throws(PythonError) {
        let aiter = try iterator.callMethod("__aiter__", gil)
        source = Source(iterator: aiter.handle(gil), loop: loop, readAhead: Swift.max(readAhead, 1), convert: convert)
    }

    public func makeAsyncIterator() -> Iterator { Iterator(source: source) }

    /// Closes the Python iterator now (it is also closed when the sequence is dropped or exhausted).
    public func close() { source.close() }

    public struct Iterator: AsyncIteratorProtocol {
        let source: Source
        public mutating func next() async throws -> Element? { try await source.next() }
    }

    final class Source: Sendable {
        private let iterator: PythonHandle
        private let loop: PythonEventLoop
        private let convert: @Sendable (borrowing PyRef, borrowing GIL) throws -> Element
        private let channel: Channel<Element>
        /// The pump; touched only on the loop thread (created and closed by work posted there, in order).
        private let pump = LoopConfined<PythonHandle>()

        init(iterator: PythonHandle, loop: PythonEventLoop, readAhead: Int, convert: @escaping @Sendable (borrowing PyRef, borrowing GIL) throws -> Element) {
            self.iterator = iterator
            self.loop = loop
            self.convert = convert
            channel = Channel(readAhead: readAhead)
        }

        func next() async throws -> Element? {
            try await withTaskCancellationHandler {
                let (entry, grant) = await withCheckedContinuation { (continuation: Channel<Element>.Waiter) in
                    if channel.take(continuation) { startPump() }
                }
                if grant > 0 { post { pump, gil in _ = try? pump.callMethod("grant", arguments: [.int(grant)], gil) } }
                switch entry {
                case .element(let element):
                    return element
                case .failure(let error):
                    close()
                    throw error
                case .end, nil:
                    if Task.isCancelled { throw CancellationError() }
                    return nil
                case .refused:
                    throw PythonError(typeName: "RuntimeError",
                                      message: "another task is already waiting on this sequence: it has one consumer at a time")
                }
            } onCancel: {
                close()
            }
        }

        func close() {
            guard channel.close() != nil else { return }
            // In order after the pump's creation, if any (the inbox is first in, first out). Without a pump (never
            // started, or it failed to start) the iterator is closed directly.
            loop.post { [pump, iterator, loop] gil in
                if let handle = pump.value {
                    if (try? handle.borrow(gil).callMethod("close", gil)) == nil { PyErr_Clear() }
                } else {
                    loop.closeLater(iterator.borrow(gil), gil)
                }
            }
        }

        private func startPump() {
            loop.post { [iterator, loop, convert, channel, pump] gil in
                // A close that got in first (it marks the channel before posting; the inbox keeps order) has
                // closed the iterator already.
                if channel.isClosed { return }
                do {
                    let push = try HostCallback.make(gil) { outcome, gil in
                        let entry: Entry<Element>
                        do {
                            switch try GlueOutcome(outcome, gil) {
                            case .value(let item): entry = .element(try convert(item.borrow(gil), gil))
                            case .exception(let exception): entry = .failure(PythonError(exception: exception.borrow(gil), gil))
                            case .end: entry = .end
                            // Cancelled by someone other than our close (after a close, `put` drops it).
                            case .cancelled: entry = .failure(CancellationError())
                            }
                        } catch {
                            entry = .failure(error)
                        }
                        if let (waiter, grant) = channel.put(entry) {
                            loop.handOver(gil) { waiter.resume(returning: (entry, grant)) }
                        }
                    }
                    pump.value = try loop.pump(iterator.borrow(gil), push, window: channel.readAhead, gil).handle(gil)
                } catch {
                    PyErr_Clear()
                    if let (waiter, _) = channel.put(.failure(error)) { waiter.resume(returning: (.failure(error), 0)) }
                }
            }
        }

        /// Runs `body` with the pump on the loop thread, once it exists.
        private func post(_ body: @escaping @Sendable (borrowing PyRef, borrowing GIL) -> Void) {
            loop.post { [pump] gil in
                guard let handle = pump.value else { return }
                body(handle.borrow(gil), gil)
            }
        }

        deinit { close() }
    }
}

enum Entry<Element: Sendable>: Sendable {
    case element(Element)
    case failure(any Error)
    case end
    /// Another consumer is already waiting (the sequence is shared, but has one consumer at a time).
    case refused
}

/// What the pump has pushed and the consumer not yet taken, and the consumer waiting for the next item.
final class Channel<Element: Sendable>: Sendable {
    /// A consumer waiting for an entry (`nil` once the sequence is closed) and the room to give back to the pump.
    typealias Waiter = CheckedContinuation<(Entry<Element>?, Int), Never>

    private struct State {
        var buffer: [Entry<Element>] = []
        var waiting: Waiter?
        var started = false
        /// An end, an error or a close was taken: every later `next()` returns `nil`.
        var finished = false
        var closed = false
        /// Items taken since the pump was last given room.
        var taken = 0

        /// Marks `entry` taken; returns the room to give back to the pump.
        mutating func taking(_ entry: Entry<Element>, readAhead: Int) -> Int {
            guard case .element = entry else { finished = true; return 0 }
            taken += 1
            guard taken >= Swift.max(readAhead / 2, 1) else { return 0 }
            defer { taken = 0 }
            return taken
        }
    }

    let readAhead: Int
    private let state = Mutex(State())

    init(readAhead: Int) { self.readAhead = readAhead }

    /// The consumer asks for the next entry: `continuation` is resumed at once when one is buffered or the sequence
    /// is over, otherwise by `put` or `close`. Returns true on the first call: the pump is to be started.
    func take(_ continuation: Waiter) -> Bool {
        let (ready, start): ((Entry<Element>?, Int)?, Bool) = state.withLock { state in
            if state.finished { return ((nil, 0), false) }  // over: nothing more to start
            let start = !state.started
            state.started = true
            if !state.buffer.isEmpty {
                let entry = state.buffer.removeFirst()
                return ((entry, state.taking(entry, readAhead: readAhead)), start)
            }
            if state.waiting != nil { return ((.refused, 0), start) }
            state.waiting = continuation
            return (nil, start)
        }
        if let ready { continuation.resume(returning: ready) }
        return start
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// The pump pushed `entry`: returns a waiting consumer to hand it to (and the room to give back), or buffers it.
    func put(_ entry: Entry<Element>) -> (Waiter, Int)? {
        state.withLock { state in
            if state.closed { return nil }
            guard let waiter = state.waiting else {
                state.buffer.append(entry)
                return nil
            }
            state.waiting = nil
            return (waiter, state.taking(entry, readAhead: readAhead))
        }
    }

    /// Ends the sequence: a waiting consumer gets `nil`. Returns whether the pump had been asked to start, or `nil`
    /// if the channel was already closed.
    func close() -> Bool? {
        let (waiter, started): (Waiter?, Bool?) = state.withLock { state in
            guard !state.closed else { return (nil, nil) }
            state.closed = true
            state.finished = true
            state.buffer.removeAll()
            defer { state.waiting = nil }
            return (state.waiting, state.started)
        }
        waiter?.resume(returning: (nil, 0))
        return started
    }
}

/// A value touched only on the loop thread, where posted work runs in order.
final class LoopConfined<Value>: @unchecked Sendable {
    var value: Value?
}

/// A Python iterator or generator as a Swift `AsyncSequence`, pulled one item at a time on ``PythonWorkerPool``
/// threads (never the cooperative pool). Cancellation interrupts a pending `next()` at its next bytecode and closes
/// the iterator; an exception raised midway is thrown after the items before it.
public struct PythonIteratorSequence<Element: Sendable>: AsyncSequence, Sendable {
    private let source: Source

    /// - Parameters:
    ///   - iterable: an iterator or iterable (its `__iter__()` is taken).
    ///   - pool: the worker threads to pull on.
    ///   - convert: turns each item into an element, with the GIL held.
    public init(_ iterable: borrowing PyRef, pool: PythonWorkerPool = .shared, _ gil: borrowing GIL,
                convert: @escaping @Sendable (borrowing PyRef, borrowing GIL) throws -> Element) throws(PythonError) {
        let iterator = try PyRef(checked: PyObject_GetIter(iterable.pointer), gil)
        source = Source(iterator: iterator.handle(gil), pool: pool, convert: convert)
    }

    public func makeAsyncIterator() -> Iterator { Iterator(source: source) }

    public struct Iterator: AsyncIteratorProtocol {
        let source: Source
        public mutating func next() async throws -> Element? { try await source.next() }
    }

    final class Source: Sendable {
        let iterator: PythonHandle
        let pool: PythonWorkerPool
        let convert: @Sendable (borrowing PyRef, borrowing GIL) throws -> Element
        private let finished = Atomic<Bool>(false)
        private let gate = CloseGate()

        init(iterator: PythonHandle, pool: PythonWorkerPool, convert: @escaping @Sendable (borrowing PyRef, borrowing GIL) throws -> Element) {
            self.iterator = iterator
            self.pool = pool
            self.convert = convert
        }

        func next() async throws -> Element? {
            if finished.load(ordering: .acquiring) { return nil }
            gate.beginPull()
            defer { if gate.endPull() { performClose() } }
            do {
                let element: Element? = try await pool.run { [iterator, convert] gil in
                    guard let item = PyIter_Next(iterator.pointer) else {
                        if PyErr_Occurred() != nil { throw PythonError.fetch(gil) }
                        return nil
                    }
                    return try convert(PyRef(stealing: item), gil)
                }
                if element == nil { finished.store(true, ordering: .releasing) }
                return element
            } catch {
                close()
                throw error
            }
        }

        func close() {
            guard !finished.exchange(true, ordering: .acquiringAndReleasing) else { return }
            if gate.requestClose() { performClose() }
        }

        private func performClose() {
            // On the sequence's own pool: a generator's finally block is user code and may block; the
            // housekeeping thread must stay free for decrefs and cancellations.
            pool.post { [iterator] gil in
                let iterator = iterator.borrow(gil)
                if iterator.hasAttribute("close", gil), (try? iterator.callMethod("close", gil)) == nil { PyErr_Clear() }
            }
        }

        deinit { close() }
    }
}

/// Holds back a close requested while a pull is in flight until that pull ends: Python refuses to close a generator
/// that is running, and the refusal would leave it open for good.
final class CloseGate: Sendable {
    private struct State { var pulling = false; var closeRequested = false }
    private let state = Mutex(State())

    func beginPull() { state.withLock { $0.pulling = true } }

    /// Ends a pull; true if a close was requested meanwhile and must run now.
    func endPull() -> Bool {
        state.withLock { state in
            state.pulling = false
            defer { state.closeRequested = false }
            return state.closeRequested
        }
    }

    /// True if the close may run now; false if it waits for the pull in flight.
    func requestClose() -> Bool {
        state.withLock { state in
            if state.pulling { state.closeRequested = true; return false }
            return true
        }
    }
}

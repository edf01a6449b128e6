import CPythonShim
import Synchronization

/// A Python async iterator (an async generator, litellm's stream wrapper) as a Swift `AsyncSequence`.
///
/// Each `next()` awaits one `__anext__()` on the ``PythonEventLoop``: nothing is pulled ahead of the consumer
/// (back-pressure by construction). Elements are converted on the loop thread while the GIL is held. Cancelling the
/// consuming task cancels the pending `__anext__` and closes the iterator; so does dropping the sequence before the
/// end. An exception raised midway is thrown from `next()` after the elements that came before it.
public struct PythonAsyncSequence<Element: Sendable>: AsyncSequence, Sendable {
    private let source: Source

    /// - Parameters:
    ///   - iterator: the async iterator (or async iterable: its `__aiter__()` is taken).
    ///   - loop: the loop to pull on.
    ///   - convert: turns each item into an element, on the loop thread with the GIL held.
    public init(_ iterator: borrowing PyRef, loop: PythonEventLoop, _ gil: borrowing GIL,
                convert: @escaping @Sendable (borrowing GIL, borrowing PyRef) throws -> Element) throws(PythonError) {
        let aiter = try iterator.callMethod("__aiter__", gil)
        let host = Interpreter.host(gil)
        source = Source(iterator: aiter.handle(gil), loop: loop,
                        anext: try host.attribute("anext_or_end", gil).handle(gil),
                        aclose: try host.attribute("aclose_quietly", gil).handle(gil), convert: convert)
    }

    public func makeAsyncIterator() -> Iterator { Iterator(source: source) }

    /// Closes the Python iterator now (it is also closed when the sequence is dropped or exhausted).
    public func close() { source.close() }

    public struct Iterator: AsyncIteratorProtocol {
        let source: Source
        public mutating func next() async throws -> Element? { try await source.next() }
    }

    final class Source: Sendable {
        let iterator: PythonHandle
        let loop: PythonEventLoop
        let anext: PythonHandle
        let aclose: PythonHandle
        let convert: @Sendable (borrowing GIL, borrowing PyRef) throws -> Element
        private let finished = Atomic<Bool>(false)
        private let gate = CloseGate()

        init(iterator: PythonHandle, loop: PythonEventLoop, anext: PythonHandle, aclose: PythonHandle,
             convert: @escaping @Sendable (borrowing GIL, borrowing PyRef) throws -> Element) {
            self.iterator = iterator
            self.loop = loop
            self.anext = anext
            self.aclose = aclose
            self.convert = convert
        }

        func next() async throws -> Element? {
            if finished.load(ordering: .acquiring) { return nil }
            gate.beginPull()
            defer { if gate.endPull() { performClose() } }
            do {
                let element: Element? = try await loop.run({ [anext, iterator] gil in
                    try anext.borrow(gil).call(gil, iterator.borrow(gil))
                }, convert: { [loop, convert] gil, item in
                    loop.isEnd(item, gil) ? nil : try convert(gil, item)
                })
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
            loop.post { [aclose, iterator, loop] gil in
                if let closing = try? aclose.borrow(gil).call(gil, iterator.borrow(gil)) {
                    loop.spawn(gil, closing)
                } else {
                    PyErr_Clear()
                }
            }
        }

        deinit { close() }
    }
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
                convert: @escaping @Sendable (borrowing GIL, borrowing PyRef) throws -> Element) throws(PythonError) {
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
        let convert: @Sendable (borrowing GIL, borrowing PyRef) throws -> Element
        private let finished = Atomic<Bool>(false)
        private let gate = CloseGate()

        init(iterator: PythonHandle, pool: PythonWorkerPool, convert: @escaping @Sendable (borrowing GIL, borrowing PyRef) throws -> Element) {
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
                    return try convert(gil, PyRef(stealing: item))
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

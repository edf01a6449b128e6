import Foundation
@testable import PythonEmbed
import Synchronization
import Testing

/// A `PythonHandle` dropped on a thread without the GIL: its decref waits in `PendingDecrefs` for the next thread
/// that takes the GIL, or for the housekeeping thread when nobody does.
///
/// The suite runs serialized because it sets the fallback delay, which is process-wide. Other suites running at the
/// same time take the GIL too, and their acquisitions drain the list as well: the first test only needs *some*
/// acquisition after the drop; the second is isolated when run on its own (`--filter PendingDecrefTests`).
@Suite(.serialized)
struct PendingDecrefTests {
    static let defaultDelay = PendingDecrefs.fallbackDelay.load(ordering: .relaxed)

    @Test func aHandleDroppedWithoutTheGILIsReleasedAtTheNextAcquisition() async throws {
        try startPython()
        // No fallback within this test: only a GIL acquisition can release the object.
        let delay = Self.defaultDelay
        PendingDecrefs.fallbackDelay.store(600_000_000_000, ordering: .relaxed)
        defer { PendingDecrefs.fallbackDelay.store(delay, ordering: .relaxed) }

        // [the object, a weak reference to it]: the array holds the only strong reference from Swift.
        var objects = try await Self.objectAndProbe()
        let probe = objects[1]
        #expect(try await withPython { gil in try !probe.borrow(gil).call(gil).isNone(gil) })

        objects.removeFirst()  // the last reference, dropped here on the cooperative pool, which never holds the GIL

        // The next job on a worker thread is an acquisition: the decref has run before its body.
        let alive = try await withPython { gil in try !probe.borrow(gil).call(gil).isNone(gil) }
        #expect(!alive)

        // Interpreter.withGIL is an acquisition too (on a thread of its own: tests keep the GIL off the pool).
        var secondObjects = try await Self.objectAndProbe()
        let secondProbe = secondObjects[1]
        secondObjects.removeFirst()
        let secondAlive = try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    try Interpreter.withGIL { gil throws(PythonError) in try !secondProbe.borrow(gil).call(gil).isNone(gil) }
                })
            }.start()
        }
        #expect(!secondAlive)
    }

    /// A new object and a weak reference to it, kept by handles.
    static func objectAndProbe() async throws -> [PythonHandle] {
        try await withPython { gil in
            let pair = try Interpreter.run("""
                import weakref
                class Box: pass
                box = Box()
                result = (box, weakref.ref(box))
                del box
                """, gil)
            return [try pair.callMethod("__getitem__", arguments: [.int(0)], gil).handle(gil),
                    try pair.callMethod("__getitem__", arguments: [.int(1)], gil).handle(gil)]
        }
    }

    @Test func theHousekeepingThreadReleasesWhatNobodyDrains() async throws {
        try startPython()
        let delay = Self.defaultDelay
        PendingDecrefs.fallbackDelay.store(1_000_000, ordering: .relaxed)
        defer { PendingDecrefs.fallbackDelay.store(delay, ordering: .relaxed) }

        // The object's finaliser writes a byte to a pipe: seen from here without taking the GIL.
        var descriptors: [Int32] = [0, 0]
        try #require(pipe(&descriptors) == 0)
        defer { close(descriptors[0]); close(descriptors[1]) }
        var handle: PythonHandle? = try await withPython { [writeEnd = descriptors[1]] gil in
            try Interpreter.run("""
                import os, weakref
                class Box: pass
                result = Box()
                weakref.finalize(result, os.write, \(writeEnd), b"x")
                """, gil).handle(gil)
        }
        handle = nil  // without the GIL; this test takes it no more
        _ = handle

        var finalised = false
        for _ in 0..<600 where !finalised {  // a generous budget: the fallback is due after 1 ms
            var poller = pollfd(fd: descriptors[0], events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 0) == 1 {
                finalised = true
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(finalised)
    }
}

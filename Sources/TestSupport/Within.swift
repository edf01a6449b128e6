/// Runs `operation` and returns its value, or `nil` if `timeout` passes first (the operation is then cancelled).
///
/// For programs with no test runner to bound a wait (`fake-provider --self-check`) and for a test that must go on
/// after a hang, to report it; a test that only waits for an event leaves the bound to its time limit instead.
public func value<T: Sendable>(of operation: @escaping @Sendable () async -> T?, within timeout: Duration) async -> T? {
    await withTaskGroup(of: T?.self) { group in
        group.addTask { await operation() }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

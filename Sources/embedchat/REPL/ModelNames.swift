import Synchronization

/// The model names `/model` completes: aliases at once, litellm's chat models when they have been read.
final class ModelNames: Sendable {
    private let names: Mutex<[String]>
    init(_ names: [String]) { self.names = Mutex(names) }
    var all: [String] { names.withLock { $0 } }
    func add(_ more: [String]) { names.withLock { $0.append(contentsOf: more) } }
}

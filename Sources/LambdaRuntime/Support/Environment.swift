#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Process environment access without Foundation (keeps the runtime's start-up small).
enum Environment {
    static func get(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Sets or, for `nil`, removes a variable. Only the run loop calls this, between invocations.
    static func set(_ name: String, _ value: String?) {
        if let value { setenv(name, value, 1) } else { unsetenv(name) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Blocking loopback sockets for tests and benchmarks that play odd clients byte by byte (slow ones, ones that leave
/// mid-answer or never read), which no HTTP client library would be.
public enum LoopbackSocket {
    /// A TCP socket connected to 127.0.0.1:`port`, or `nil` with `errno` set. Close it with `close(_:)`.
    /// - Parameters:
    ///   - port: The port.
    ///   - timeoutSeconds: Receive and send timeouts (`SO_RCVTIMEO`, `SO_SNDTIMEO`); 0 for none.
    public static func connect(port: Int, timeoutSeconds: Int = 0) -> Int32? {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return nil }
        if timeoutSeconds > 0 {
            var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let error = errno
            close(fd)
            errno = error
            return nil
        }
        return fd
    }
}

#if canImport(Glibc)
private let systemConnect = Glibc.connect
#else
private let systemConnect = Darwin.connect
#endif

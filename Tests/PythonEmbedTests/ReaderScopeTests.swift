import Foundation
import PythonEmbed
import Testing

/// `PythonReader` is `~Escapable`: code that lets one leave `PyRef.read` does not compile. Each test compiles a
/// small client of the built PythonEmbed module with `swiftc` (through SIL, where lifetime errors are reported)
/// and checks what the compiler said; the first shows that a reader used inside its closure compiles. One compiler
/// at a time, each waited for off the cooperative pool, so the other suites' threads are not held up.
@Suite("A PythonReader cannot leave its scope", .serialized)
struct ReaderScopeTests {
    @Test func readingInsideTheClosureCompiles() async throws {
        let result = try await Self.compile("""
            func fine(_ object: borrowing PyRef, _ gil: borrowing GIL) throws -> [Int?] {
                try object.read(gil) { reader in
                    guard let elements = try reader.member(PythonName("list"))?.elements else { return [] }
                    return elements.map { $0.int }
                }
            }
            """)
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func returningTheReaderFromTheClosureDoesNotCompile() async throws {
        let result = try await Self.compile("""
            func escape(_ object: borrowing PyRef, _ gil: borrowing GIL) {
                let reader: PythonReader = object.read(gil) { reader in reader }
                _ = reader
            }
            """)
        #expect(result.status != 0)
        #expect(result.stderr.contains("requires that 'PythonReader' conform to 'Escapable'"), "\(result.stderr)")
    }

    @Test func keepingTheReaderInAGlobalDoesNotCompile() async throws {
        let result = try await Self.compile("""
            nonisolated(unsafe) var kept: PythonReader? = nil
            func stash(_ object: borrowing PyRef, _ gil: borrowing GIL) {
                object.read(gil) { reader in kept = reader }
            }
            """)
        #expect(result.status != 0)
        #expect(result.stderr.contains("lifetime-dependent variable 'reader' escapes its scope"), "\(result.stderr)")
    }

    @Test func capturingAnElementInAnEscapingClosureDoesNotCompile() async throws {
        let result = try await Self.compile("""
            final class Later { var check: (() -> Bool)? }
            func capture(_ object: borrowing PyRef, _ gil: borrowing GIL, _ later: Later) {
                object.read(gil) { reader in
                    guard let elements = reader.elements else { return }
                    later.check = { elements.count > 0 }
                }
            }
            """)
        #expect(result.status != 0)
        #expect(result.stderr.contains("escapes its scope"), "\(result.stderr)")
    }

    /// Compiles `source` (after `import PythonEmbed`) to SIL against the module this test run built.
    static func compile(_ source: String) async throws -> ChildResult {
        let include = try await evaluate("import sysconfig\nresult = sysconfig.get_paths()['include']").stringValue ?? ""
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reader-scope-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("client.swift")
        try "import PythonEmbed\n\(source)\n".write(to: file, atomically: true, encoding: .utf8)
        let arguments = [
            "swiftc", "-emit-sil", "-o", "/dev/null", "-module-cache-path", folder.appendingPathComponent("cache").path,
            "-I", "\(buildFolder)/Modules", "-I", "\(repositoryRoot)/CPythonShim",
            "-Xcc", "-fmodule-map-file=\(buildFolder)/CPythonSupport.build/module.modulemap",
            "-Xcc", "-I\(repositoryRoot)/Sources/CPythonSupport/include", "-Xcc", "-I\(include)",
            file.path,
        ]
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    try runChild("/usr/bin/env", arguments, environment: ProcessInfo.processInfo.environment)
                })
            }.start()
        }
    }
}

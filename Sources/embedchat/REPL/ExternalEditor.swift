import Foundation

/// `/edit`: writes a message in `$VISUAL` or `$EDITOR` (else `vi`).
enum ExternalEditor {
    /// Opens the editor on a temporary file holding `initial`, waits for it, and returns what was saved (trimmed);
    /// `nil` when the editor failed or the text is empty.
    static func compose(_ initial: String, environment: [String: String] = ProcessInfo.processInfo.environment) async -> String? {
        let editor = [environment["VISUAL"], environment["EDITOR"]].compactMap { $0 }.first { !$0.isEmpty } ?? "vi"
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("embedchat-message-\(UUID().uuidString).md").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard (try? initial.write(toFile: path, atomically: true, encoding: .utf8)) != nil else { return nil }
        let status: Int32 = await withCheckedContinuation { continuation in
            let thread = Thread {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/sh")
                // The editor may carry arguments (EDITOR="code --wait"), so the shell splits it.
                process.arguments = ["-c", "\(editor) \"$1\"", "sh", path]
                do {
                    try process.run()
                    process.waitUntilExit()
                    continuation.resume(returning: process.terminationStatus)
                } catch {
                    continuation.resume(returning: -1)
                }
            }
            thread.name = "embedchat-editor"
            thread.start()
        }
        guard status == 0 else {
            Terminal.error("the editor (\(editor)) exited with status \(status); nothing sent")
            return nil
        }
        let text = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return text.isEmpty ? nil : text
    }
}

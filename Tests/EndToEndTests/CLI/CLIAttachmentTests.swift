import Foundation
import ProviderFakes
import Testing

/// `embedchat -a PATH|URL|-` and the chat's `/attach`: what the provider receives, and the refusals.
@Suite("embedchat attachments", .serialized)
struct CLIAttachmentTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
    static let pdf: [UInt8] = Array("%PDF-1.4\n%%EOF\n".utf8)

    static func file(_ bytes: [UInt8], _ name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("embedchat-cli-attach-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The content parts of the last user message of the last request `server` received.
    static func lastUserParts(_ server: FakeProviderServer) throws -> [[String: Any]] {
        let request = try #require(server.recordedRequests.last)
        let body = try #require(CLIHarness.json(request.bodyText))
        let messages = try #require(body["messages"] as? [[String: Any]])
        return try #require(messages.last(where: { $0["role"] as? String == "user" })?["content"] as? [[String: Any]])
    }

    @Test func imagePDFAndTextArriveAsPartsBeforeThePromptAndURLImagesAreFetchedByUs() async throws {
        let image = try Self.file(Self.png, "shot.png")
        let paper = try Self.file(Self.pdf, "paper.pdf")
        let notes = try Self.file(Array("remember the milk\n".utf8), "notes.md")
        try await FakeProviderServer.withServer { server in
            let result = try await CLIHarness.run(
                ["--api-base", server.openAIBase, "-m", "openai/echo", "-a", image, "--attach", paper, "-a", notes,
                 "what", "is", "this?"],
                environment: ["OPENAI_API_KEY": CLIHarness.fakeKey])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout == "echo: <file name=\"notes.md\">\nremember the milk\n</file> what is this?\n", "\(result)")
            let parts = try Self.lastUserParts(server)
            #expect(parts.count == 4)
            #expect((parts[0]["image_url"] as? [String: Any])?["url"] as? String
                    == "data:image/png;base64," + Data(Self.png).base64EncodedString())
            #expect(parts[1]["type"] as? String == "file")
            let file = try #require(parts[1]["file"] as? [String: Any])
            #expect(file["file_data"] as? String == "data:application/pdf;base64," + Data(Self.pdf).base64EncodedString())
            #expect(file["filename"] as? String == "paper.pdf")
            #expect(parts[2]["text"] as? String == "<file name=\"notes.md\">\nremember the milk\n</file>")
            #expect(parts[3]["text"] as? String == "what is this?")

            // An https image URL goes as it is, but a route at an api_base gets a data URL that embedchat fetches
            // itself (never litellm): a host that cannot resolve (.invalid never does) is refused before any request,
            // naming the part and not the URL.
            let before = server.recordedRequests.count
            let refused = try await CLIHarness.run(
                ["--api-base", server.openAIBase, "-m", "openai/echo", "-a", "https://cat.invalid/cat.webp", "what?"],
                environment: ["OPENAI_API_KEY": CLIHarness.fakeKey])
            #expect(refused.status == 1, "\(refused)")
            #expect(refused.stderr.contains("messages[0].content[0] could not be used"), "\(refused)")
            #expect(!refused.stderr.contains("cat.invalid"), "\(refused)")
            #expect(server.recordedRequests.count == before)
        }
    }

    @Test func stdinAsAnAttachmentLeavesThePromptToTheArguments() async throws {
        try await FakeProviderServer.withServer { server in
            let result = try await CLIHarness.run(
                ["--api-base", server.openAIBase, "-m", "openai/echo", "-a", "-", "summarise"],
                stdin: "piped log line\n", environment: ["OPENAI_API_KEY": CLIHarness.fakeKey])
            #expect(result.status == 0, "\(result)")
            let parts = try Self.lastUserParts(server)
            #expect(parts.map { $0["text"] as? String } == ["<file name=\"stdin\">\npiped log line\n</file>", "summarise"])
        }
        let noPrompt = try await CLIHarness.run(["--offline", "-a", "-"], stdin: "text")
        #expect(noPrompt.status == 2, "\(noPrompt)")
        #expect(noPrompt.stderr.contains("the prompt must be given as arguments"), "\(noPrompt)")
    }

    @Test func refusalsAreUsageErrorsNamingTheAttachment() async throws {
        let binary = try Self.file([0, 1, 2, 0xFE, 0xFF], "blob.bin")
        let large = try Self.file(Array(repeating: UInt8(ascii: "x"), count: 1_000_001), "large.txt")
        let cases: [([String], String)] = [
            (["-a", binary], "cannot attach \(binary): not an image (png, jpeg, gif, webp), a PDF or UTF-8 text"),
            (["-a", large], "cannot attach \(large): text of 1000001 bytes is over the 1.0 MB limit"),
            (["-a", "http://example.com/cat.png"], "only https URLs"),
            (["-a", "/nonexistent/cat.png"], "cannot attach /nonexistent/cat.png: no such file"),
        ]
        for (arguments, message) in cases {
            let result = try await CLIHarness.run(["--offline"] + arguments + ["look"])
            #expect(result.status == 2, "\(result)")
            #expect(result.stderr.contains(message), "\(result)")
            #expect(result.stdout.isEmpty)
        }
    }

    @Test func chatAttachGoesWithTheNextMessageOnly() async throws {
        let image = try Self.file(Self.png, "shot.png")
        try await FakeProviderServer.withServer { server in
            let result = try await CLIHarness.run(
                ["chat", "--api-base", server.openAIBase, "-m", "openai/echo"],
                stdin: "/attach /nonexistent.png\n/attach \(image)\nwhat is in it?\nand now?\n",
                environment: ["OPENAI_API_KEY": CLIHarness.fakeKey])
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr.contains("cannot attach /nonexistent.png: no such file"), "\(result)")
            #expect(result.stderr.contains("attached shot.png (png, \(Self.png.count) bytes)"), "\(result)")
            #expect(result.stdout == "echo: what is in it?\necho: and now?\n", "\(result)")
            let requests = server.recordedRequests
            #expect(requests.count == 2)
            let first = try #require(CLIHarness.json(requests[0].bodyText)?["messages"] as? [[String: Any]])
            let parts = try #require(first.last?["content"] as? [[String: Any]])
            #expect(parts.map { $0["type"] as? String } == ["image_url", "text"])
            let second = try #require(CLIHarness.json(requests[1].bodyText)?["messages"] as? [[String: Any]])
            #expect(second.last?["content"] as? String == "and now?", "the attachment went with one message only")
            #expect((second.first?["content"] as? [[String: Any]])?.count == 2, "the first message keeps its image in the history")
        }
    }
}

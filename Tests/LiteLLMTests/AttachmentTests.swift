import Foundation
import LiteLLM
import ProviderFakes
import Testing

/// Small files of each kind, by their first bytes.
enum AttachmentSamples {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16] + Array("JFIF".utf8)
    static let gif: [UInt8] = Array("GIF89a".utf8) + [1, 0, 1, 0]
    static let webp: [UInt8] = Array("RIFF".utf8) + [26, 0, 0, 0] + Array("WEBPVP8 ".utf8)
    static let pdf: [UInt8] = Array("%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n".utf8)
    static let text: [UInt8] = Array("line one\nline two — ünïcode\n".utf8)
    static let binary: [UInt8] = [0x00, 0x01, 0x02, 0xFE, 0xFF, 0x10]

    static func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("embedchat-attach-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

@Suite("Attachments: files and URLs as content parts", .serialized)
struct AttachmentTests {
    @Test(arguments: [
        (AttachmentSamples.png, PromptAttachment.Kind.png), (AttachmentSamples.jpeg, .jpeg), (AttachmentSamples.gif, .gif),
        (AttachmentSamples.webp, .webp), (AttachmentSamples.pdf, .pdf), (AttachmentSamples.text, .text),
    ])
    func kindIsToldByTheFirstBytes(bytes: [UInt8], kind: PromptAttachment.Kind) throws {
        let attachment = try PromptAttachment(data: bytes, name: "sample")
        #expect(attachment.kind == kind)
        let base64 = Data(bytes).base64EncodedString()
        switch kind {
        case .text:
            #expect(attachment.part == .text("<file name=\"sample\">\nline one\nline two — ünïcode\n</file>"))
        case .pdf:
            #expect(attachment.part == .file(.init(fileData: "data:application/pdf;base64,\(base64)", filename: "sample")))
        default:
            #expect(attachment.part == .imageURL(url: "data:\(kind.mediaType!);base64,\(base64)", detail: nil))
        }
    }

    @Test func binaryThatIsNoKnownKindIsRefused() {
        let error = #expect(throws: AttachmentError.self) { try PromptAttachment(data: AttachmentSamples.binary, name: "blob.bin") }
        #expect(error?.code == .unsupported)
        #expect(error?.description == "cannot attach blob.bin: not an image (png, jpeg, gif, webp), a PDF or UTF-8 text")
    }

    @Test func eachKindHasItsSizeLimitAndMessagesTheirTotal() throws {
        let limits = PromptAttachment.Limits(image: 10, pdf: 100, text: 5)
        let image = #expect(throws: AttachmentError.self) { try PromptAttachment(data: AttachmentSamples.png + [1, 2, 3], name: "big.png", limits: limits) }
        #expect(image?.code == .tooLarge)
        #expect(image?.reason.contains("png of \(AttachmentSamples.png.count + 3) bytes is over the 10 bytes limit") == true, "\(String(describing: image))")
        #expect(throws: AttachmentError.self) { try PromptAttachment(data: AttachmentSamples.text, name: "t.txt", limits: limits) }
        #expect(try PromptAttachment(data: AttachmentSamples.pdf, name: "a.pdf", limits: limits).kind == .pdf)

        let two = [try PromptAttachment(data: AttachmentSamples.pdf, name: "a.pdf"), try PromptAttachment(data: AttachmentSamples.pdf, name: "b.pdf")]
        #expect(throws: Never.self) { try PromptAttachment.checkTotal(two, limit: 2 * AttachmentSamples.pdf.count) }
        let total = #expect(throws: AttachmentError.self) { try PromptAttachment.checkTotal(two, limit: 2 * AttachmentSamples.pdf.count - 1) }
        #expect(total?.source == "b.pdf")
    }

    @Test func filesAreReadByPathAndMissingOnesNamed() throws {
        let path = try AttachmentSamples.write(AttachmentSamples.gif, "cat.gif")
        let attachment = try PromptAttachment(argument: path)
        #expect(attachment.kind == .gif)
        #expect(attachment.name == "cat.gif")
        #expect(attachment.byteCount == AttachmentSamples.gif.count)
        let missing = #expect(throws: AttachmentError.self) { try PromptAttachment(argument: path + ".nope") }
        #expect(missing?.code == .unreadable)
        #expect(missing?.reason == "no such file")
        let folder = #expect(throws: AttachmentError.self) { try PromptAttachment(argument: FileManager.default.temporaryDirectory.path) }
        #expect(folder?.reason == "it is a folder")
    }

    @Test(arguments: [
        ("https://example.com/cat.png", nil),
        ("data:image/png;base64,iVBORw0KGgo=", nil),
        ("http://example.com/cat.png", "only https URLs"),
        ("ftp://example.com/cat.png", "only https URLs"),
        ("https://example.com/paper.pdf", "only images can be sent by URL"),
        ("data:text/plain;base64,aGk=", "data:image/"),
    ])
    func urlsMustBeHttpsOrDataImages(url: String, refusal: String?) throws {
        if let refusal {
            let error = #expect(throws: AttachmentError.self) { try PromptAttachment(argument: url) }
            #expect(error?.code == .badURL)
            #expect(error?.reason.contains(refusal) == true, "\(String(describing: error))")
        } else {
            let attachment = try PromptAttachment(argument: url)
            #expect(attachment.kind == .imageURL)
            #expect(attachment.part == .imageURL(url: url, detail: nil))
        }
    }

    @Test func litellmSendsImageFileAndTextPartsToTheProvider() async throws {
        try await withProvider { client, server in
            let attachments = [try PromptAttachment(data: AttachmentSamples.png, name: "a.png"),
                               try PromptAttachment(data: AttachmentSamples.pdf, name: "paper.pdf"),
                               try PromptAttachment(data: AttachmentSamples.text, name: "notes.txt")]
            let request = ChatCompletionRequest(model: "openai/echo", messages: [.user("what are these?", attachments: attachments)])
            let reply = try await client.complete(request, settings: server.openAI)
            #expect(reply.text?.hasSuffix("</file> what are these?") == true, "\(reply.text ?? "")")

            let body = try JSONDecoder().decode(JSONValue.self, from: Data(try #require(server.recordedRequests.last).body))
            let parts = try #require(body["messages"]?.arrayValue?.last?["content"]?.arrayValue)
            #expect(parts.count == 4)
            #expect(parts[0]["type"] == "image_url")
            #expect(parts[0]["image_url"]?["url"] == .string("data:image/png;base64," + Data(AttachmentSamples.png).base64EncodedString()))
            #expect(parts[1]["type"] == "file")
            #expect(parts[1]["file"]?["file_data"] == .string("data:application/pdf;base64," + Data(AttachmentSamples.pdf).base64EncodedString()))
            #expect(parts[2]["text"]?.stringValue?.hasPrefix("<file name=\"notes.txt\">\nline one") == true)
            #expect(parts[3] == ["type": "text", "text": "what are these?"])
        }
    }
}

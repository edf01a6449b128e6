import Foundation
import LiteLLM

/// `-a PATH|URL|-` and the chat's `/attach`: files, URLs and stdin as content parts.
enum AttachmentArguments {
    static let help = """
        Send a file or URL with the prompt (repeatable): images (png, jpeg, gif, webp, told by their first bytes) \
        as data URLs, https image URLs as they are, PDFs as file parts, UTF-8 text inlined with its name; `-` \
        reads stdin (then the prompt comes only from the arguments). Limits: images 20 MB, PDFs 32 MB, text 1 MB, \
        50 MB in all.
        """

    /// Loads every argument, or fails on the first that cannot be sent.
    /// - Throws: ``CLIFailure`` (usage) naming the attachment and the reason.
    static func load(_ arguments: [String]) throws -> [PromptAttachment] {
        do {
            let attachments = try arguments.map { argument throws(AttachmentError) in
                if argument == "-" {
                    let data = FileHandle.standardInput.readDataToEndOfFile()
                    return try PromptAttachment(data: [UInt8](data), name: "stdin")
                }
                return try PromptAttachment(argument: argument)
            }
            try PromptAttachment.checkTotal(attachments)
            return attachments
        } catch {
            throw CLIFailure.usage(error.description)
        }
    }

    /// `/attach PATH|URL` in the chat: queues the attachment for the next message, or says why it cannot.
    static func attach(_ argument: String, to pending: inout [PromptAttachment]) {
        guard !argument.isEmpty else {
            Terminal.err(pending.isEmpty ? "usage: /attach PATH|URL (sent with your next message)\n"
                : "attached for the next message: \(pending.map(\.name).joined(separator: ", "))\n")
            return
        }
        do {
            let attachment = try PromptAttachment(argument: argument)
            try PromptAttachment.checkTotal(pending + [attachment])
            pending.append(attachment)
            let size = attachment.byteCount > 0 ? ", \(attachment.byteCount) bytes" : ""
            Terminal.err("attached \(attachment.name) (\(attachment.kind)\(size)); it goes with your next message\n")
        } catch {
            Terminal.error(error.description)
        }
    }
}

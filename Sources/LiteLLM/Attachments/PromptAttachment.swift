import Foundation

/// A file or URL to send with a prompt, as the content part a model takes: an image (PNG, JPEG, GIF, WebP, told by
/// their first bytes) as a data URL, a PDF as a file part (`{"type": "file", "file": {"file_data": "data:application/pdf;base64,..."}}`,
/// which litellm passes on to the providers that read PDFs), UTF-8 text inlined with its name, or an https image URL
/// as it is (the provider fetches it).
///
/// ```swift
/// let photo = try PromptAttachment(contentsOf: "photo.jpg")
/// let message = ChatMessage.user("What is in this picture?", attachments: [photo])
/// ```
public struct PromptAttachment: Sendable, Equatable {
    /// What kind of content an attachment holds.
    public enum Kind: String, Sendable, Equatable, CustomStringConvertible {
        case png, jpeg, gif, webp, pdf, text
        /// An https URL of an image, sent as it is.
        case imageURL = "image URL"

        public var description: String { rawValue }

        /// The media type of the kinds sent as data.
        public var mediaType: String? {
            switch self {
            case .png: "image/png"
            case .jpeg: "image/jpeg"
            case .gif: "image/gif"
            case .webp: "image/webp"
            case .pdf: "application/pdf"
            case .text: "text/plain"
            case .imageURL: nil
            }
        }

        /// Whether the model sees it as an image.
        public var isImage: Bool { [.png, .jpeg, .gif, .webp, .imageURL].contains(self) }
    }

    /// Size limits, in bytes.
    public struct Limits: Sendable, Equatable {
        /// The largest image (OpenAI takes up to 20 MB).
        public var image: Int
        /// The largest PDF (OpenAI takes up to 32 MB).
        public var pdf: Int
        /// The largest text file inlined.
        public var text: Int

        /// Limits in bytes; the defaults are OpenAI's caps for images and PDFs, and 1 MB of text.
        public init(image: Int = 20_000_000, pdf: Int = 32_000_000, text: Int = 1_000_000) {
            self.image = image
            self.pdf = pdf
            self.text = text
        }

        /// The limit for `kind`.
        public func limit(for kind: Kind) -> Int {
            switch kind {
            case .png, .jpeg, .gif, .webp, .imageURL: image
            case .pdf: pdf
            case .text: text
            }
        }

        /// The default limits.
        public static let standard = Limits()
    }

    /// The name shown to the model (a file's last path component, the URL, or what the caller gave).
    public let name: String
    /// What the content is.
    public let kind: Kind
    /// The content part sent.
    public let part: ContentPart
    /// Bytes read (0 for a URL).
    public let byteCount: Int

    /// Reads a file and tells its kind by its first bytes.
    /// - Throws: ``AttachmentError`` when the file cannot be read, is not a kind a model takes, or is over its limit.
    public init(contentsOf path: String, limits: Limits = .standard) throws(AttachmentError) {
        let expanded = NSString(string: path).expandingTildeInPath
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: expanded, isDirectory: &isDirectory) else {
            throw AttachmentError(.unreadable, source: path, "no such file")
        }
        guard !isDirectory.boolValue else { throw AttachmentError(.unreadable, source: path, "it is a folder") }
        // Check the size before reading, so a huge file is refused without being loaded.
        if let size = (try? FileManager.default.attributesOfItem(atPath: expanded))?[.size] as? Int,
           size > max(limits.image, limits.pdf, limits.text) {
            throw AttachmentError(.tooLarge, source: path, "\(Self.readableSize(size)) is over every attachment limit (largest \(Self.readableSize(max(limits.image, limits.pdf, limits.text))))")
        }
        guard let data = FileManager.default.contents(atPath: expanded) else {
            throw AttachmentError(.unreadable, source: path, "cannot read it (permissions?)")
        }
        try self.init(data: [UInt8](data), name: URL(fileURLWithPath: expanded).lastPathComponent, source: path, limits: limits)
    }

    /// Makes an attachment of bytes (for example stdin), telling the kind by the first bytes.
    /// - Parameters:
    ///   - data: the content.
    ///   - name: the name shown to the model for text, and sent as the PDF's file name.
    ///   - source: how the user named it, for error messages (default: `name`).
    /// - Throws: ``AttachmentError`` when the content is not a kind a model takes or is over its limit.
    public init(data: [UInt8], name: String, source: String? = nil, limits: Limits = .standard) throws(AttachmentError) {
        let source = source ?? name
        guard let kind = Self.kind(of: data) else {
            throw AttachmentError(.unsupported, source: source,
                                  "not an image (png, jpeg, gif, webp), a PDF or UTF-8 text")
        }
        let limit = limits.limit(for: kind)
        guard data.count <= limit else {
            throw AttachmentError(.tooLarge, source: source, "\(kind) of \(data.count) bytes is over the \(Self.readableSize(limit)) limit")
        }
        guard !data.isEmpty else { throw AttachmentError(.unsupported, source: source, "it is empty") }
        self.name = name
        self.kind = kind
        byteCount = data.count
        switch kind {
        case .text:
            let text = String(decoding: data, as: UTF8.self)
            part = .text("<file name=\"\(name)\">\n\(text)\(text.hasSuffix("\n") ? "" : "\n")</file>")
        case .pdf:
            part = .file(.init(fileData: Self.dataURL(data, kind: kind), filename: name))
        default:
            part = .imageURL(url: Self.dataURL(data, kind: kind), detail: nil)
        }
    }

    /// An image by URL: `https://...` (the provider fetches it) or a `data:image/...;base64,` URL.
    /// - Throws: ``AttachmentError`` for any other scheme.
    public init(url: String) throws(AttachmentError) {
        let lower = url.lowercased()
        if lower.hasPrefix("https://") {
            guard URL(string: url)?.host?.isEmpty == false else { throw AttachmentError(.badURL, source: url, "the URL has no host") }
            if lower.split(separator: "?").first?.hasSuffix(".pdf") == true {
                throw AttachmentError(.badURL, source: url, "only images can be sent by URL; download the PDF and attach the file")
            }
        } else if lower.hasPrefix("data:") {
            guard lower.hasPrefix("data:image/"), lower.contains(";base64,") else {
                throw AttachmentError(.badURL, source: String(url.prefix(40)), "a data URL must be data:image/...;base64,...")
            }
        } else {
            throw AttachmentError(.badURL, source: url, "only https URLs (or data:image URLs) can be sent; attach a local file by its path")
        }
        name = url
        kind = .imageURL
        byteCount = 0
        part = .imageURL(url: url, detail: nil)
    }

    /// Reads `argument` as a file path when such a file exists, else as a URL when it has a scheme (`https:`,
    /// `data:`, `http:`...), else as a (missing) file path.
    public init(argument: String, limits: Limits = .standard) throws(AttachmentError) {
        let exists = FileManager.default.fileExists(atPath: NSString(string: argument).expandingTildeInPath)
        if !exists, let colon = argument.firstIndex(of: ":"), argument[..<colon].allSatisfy({ $0.isLetter }),
           argument.distance(from: argument.startIndex, to: colon) > 1 {
            try self.init(url: argument)
        } else {
            try self.init(contentsOf: argument, limits: limits)
        }
    }

    /// Checks the attachments of one message together against `limit` bytes (default 50 MB, OpenAI's cap on a
    /// request's files).
    /// - Throws: ``AttachmentError`` naming the attachment that crossed the limit.
    public static func checkTotal(_ attachments: [PromptAttachment], limit: Int = 50_000_000) throws(AttachmentError) {
        var total = 0
        for attachment in attachments {
            total += attachment.byteCount
            if total > limit {
                throw AttachmentError(.tooLarge, source: attachment.name,
                                      "the attachments add up to more than the \(readableSize(limit)) limit of one message")
            }
        }
    }

    /// The kind of `data` by its first bytes, or `nil` when it is none a model takes.
    public static func kind(of data: [UInt8]) -> Kind? {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            data.count >= offset + prefix.count && Array(data[offset..<offset + prefix.count]) == prefix
        }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return .gif }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return .webp }
        if starts(Array("%PDF-".utf8)) { return .pdf }
        if !data.contains(0), String(validating: data, as: UTF8.self) != nil { return .text }
        return nil
    }

    static func dataURL(_ data: [UInt8], kind: Kind) -> String {
        "data:\(kind.mediaType ?? "application/octet-stream");base64," + Data(data).base64EncodedString()
    }

    static func readableSize(_ bytes: Int) -> String {
        if bytes >= 1_000_000 { return String(format: "%.1f MB", Double(bytes) / 1_000_000) }
        return bytes >= 1000 ? String(format: "%.1f KB", Double(bytes) / 1000) : "\(bytes) bytes"
    }
}

/// An attachment that cannot be sent: which one, and why.
public struct AttachmentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure. A struct, not an enum, so codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's stable name, e.g. `too_large`.
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }
        /// The file is missing, a folder, or unreadable.
        public static let unreadable = Code("unreadable")
        /// The content is not an image, a PDF or UTF-8 text.
        public static let unsupported = Code("unsupported")
        /// Over the size limit of its kind, or of all attachments together.
        public static let tooLarge = Code("too_large")
        /// A URL that cannot be sent (not https, or not an image).
        public static let badURL = Code("bad_url")
    }

    /// What kind of failure.
    public let code: Code
    /// The attachment as the caller named it.
    public let source: String
    /// What is wrong.
    public let reason: String

    init(_ code: Code, source: String, _ reason: String) {
        self.code = code
        self.source = source
        self.reason = reason
    }

    public var description: String { "cannot attach \(source): \(reason)" }
}

extension ChatMessage {
    /// A user message: the attachments' parts, then the text (a plain text message when there are none).
    public static func user(_ text: String, attachments: [PromptAttachment]) -> ChatMessage {
        guard !attachments.isEmpty else { return .user(text) }
        return ChatMessage(role: .user, content: .parts(attachments.map(\.part) + [.text(text)]))
    }
}

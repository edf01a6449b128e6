/// One message of a chat, in the OpenAI wire format.
public struct ChatMessage: Codable, Sendable, Equatable {
    /// Who speaks.
    public enum Role: String, Codable, Sendable, CaseIterable {
        case system, developer, user, assistant, tool
    }

    public var role: Role
    /// Text or parts; `nil` for an assistant message that only calls tools.
    public var content: MessageContent?
    public var name: String?
    /// Tool calls an assistant message made.
    public var toolCalls: [ToolCall]?
    /// The call a `tool` message answers.
    public var toolCallID: String?

    enum CodingKeys: String, CodingKey {
        case role, content, name
        case toolCalls = "tool_calls"
        case toolCallID = "tool_call_id"
    }

    public init(role: Role, content: MessageContent?, name: String? = nil, toolCalls: [ToolCall]? = nil,
                toolCallID: String? = nil) {
        self.role = role
        self.content = content
        self.name = name
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }

    public static func system(_ text: String) -> ChatMessage { ChatMessage(role: .system, content: .text(text)) }
    public static func user(_ text: String) -> ChatMessage { ChatMessage(role: .user, content: .text(text)) }
    public static func assistant(_ text: String) -> ChatMessage { ChatMessage(role: .assistant, content: .text(text)) }
    public static func tool(callID: String, _ text: String) -> ChatMessage {
        ChatMessage(role: .tool, content: .text(text), toolCallID: callID)
    }

    /// The text of the content: the string, or the text parts joined.
    public var text: String? {
        switch content {
        case .text(let text): text
        case .parts(let parts): parts.compactMap { if case .text(let text) = $0 { text } else { nil } }.joined()
        case nil: nil
        }
    }
}

/// Message content: a string, or a list of typed parts.
public enum MessageContent: Codable, Sendable, Equatable {
    case text(String)
    case parts([ContentPart])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) { self = .text(text); return }
        self = .parts(try container.decode([ContentPart].self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let text): try container.encode(text)
        case .parts(let parts): try container.encode(parts)
        }
    }
}

/// One part of a multi-part message: `{"type": "text", "text": ...}`, `{"type": "image_url", "image_url": {...}}` or
/// `{"type": "file", "file": {...}}` (a document such as a PDF, which litellm passes to the providers that take one).
public enum ContentPart: Codable, Sendable, Equatable {
    case text(String)
    case imageURL(url: String, detail: String?)
    case file(FilePart)

    /// A file part: its content as a data URL (`data:application/pdf;base64,...`), or the id of an uploaded file.
    public struct FilePart: Codable, Sendable, Equatable {
        public var fileData: String?
        public var fileID: String?
        public var filename: String?
        enum CodingKeys: String, CodingKey { case fileData = "file_data", fileID = "file_id", filename }
        public init(fileData: String? = nil, fileID: String? = nil, filename: String? = nil) {
            self.fileData = fileData
            self.fileID = fileID
            self.filename = filename
        }
    }

    private enum CodingKeys: String, CodingKey { case type, text, imageURL = "image_url", file }
    private struct Image: Codable { var url: String; var detail: String? }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "text": self = .text(try container.decode(String.self, forKey: .text))
        case "image_url":
            let image = try container.decode(Image.self, forKey: .imageURL)
            self = .imageURL(url: image.url, detail: image.detail)
        case "file": self = .file(try container.decode(FilePart.self, forKey: .file))
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: container,
                                                   debugDescription: "unsupported content part type '\(type)' (expected text, image_url or file)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .text(let text):
            try container.encode("text", forKey: .type)
            try container.encode(text, forKey: .text)
        case .imageURL(let url, let detail):
            try container.encode("image_url", forKey: .type)
            try container.encode(Image(url: url, detail: detail), forKey: .imageURL)
        case .file(let file):
            try container.encode("file", forKey: .type)
            try container.encode(file, forKey: .file)
        }
    }
}

/// A tool call an assistant made: `{"id", "type": "function", "function": {"name", "arguments"}}`.
public struct ToolCall: Codable, Sendable, Equatable {
    public struct Function: Codable, Sendable, Equatable {
        public var name: String
        /// The arguments as the model wrote them: a JSON text, not yet parsed.
        public var arguments: String
        public init(name: String, arguments: String) { self.name = name; self.arguments = arguments }
    }

    public var id: String
    public var type: String
    public var function: Function

    public init(id: String, name: String, arguments: String) {
        self.id = id
        type = "function"
        function = Function(name: name, arguments: arguments)
    }
}

/// A function the model may call.
public struct Tool: Codable, Sendable, Equatable {
    public struct Function: Codable, Sendable, Equatable {
        public var name: String
        public var description: String?
        /// A JSON Schema object.
        public var parameters: JSONValue?
        public var strict: Bool?
        public init(name: String, description: String? = nil, parameters: JSONValue? = nil, strict: Bool? = nil) {
            self.name = name
            self.description = description
            self.parameters = parameters
            self.strict = strict
        }
    }

    public var type: String
    public var function: Function

    public init(function: Function) {
        type = "function"
        self.function = function
    }
}

/// Whether and which tool the model must call: `"none"`, `"auto"`, `"required"` or a named function.
public enum ToolChoice: Codable, Sendable, Equatable {
    case none, auto, required
    case function(name: String)

    private struct Named: Codable { var type = "function"; var function: Name }
    private struct Name: Codable { var name: String }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let mode = try? container.decode(String.self) {
            switch mode {
            case "none": self = .none
            case "auto": self = .auto
            case "required": self = .required
            default:
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "tool_choice must be none, auto, required or a function")
            }
            return
        }
        self = .function(name: try container.decode(Named.self).function.name)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .none: try container.encode("none")
        case .auto: try container.encode("auto")
        case .required: try container.encode("required")
        case .function(let name): try container.encode(Named(function: Name(name: name)))
        }
    }
}

/// The shape of the reply: text, any JSON object, or JSON matching a schema.
public enum ResponseFormat: Codable, Sendable, Equatable {
    case text
    case jsonObject
    case jsonSchema(name: String, schema: JSONValue?, strict: Bool?)

    private enum CodingKeys: String, CodingKey { case type, jsonSchema = "json_schema" }
    private struct Schema: Codable { var name: String; var schema: JSONValue?; var strict: Bool? }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .type) {
        case "text": self = .text
        case "json_object": self = .jsonObject
        case "json_schema":
            let schema = try container.decode(Schema.self, forKey: .jsonSchema)
            self = .jsonSchema(name: schema.name, schema: schema.schema, strict: schema.strict)
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .type, in: container,
                                                   debugDescription: "response_format type '\(other)' is not text, json_object or json_schema")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .text: try container.encode("text", forKey: .type)
        case .jsonObject: try container.encode("json_object", forKey: .type)
        case .jsonSchema(let name, let schema, let strict):
            try container.encode("json_schema", forKey: .type)
            try container.encode(Schema(name: name, schema: schema, strict: strict), forKey: .jsonSchema)
        }
    }
}

/// `stop`: one string or several.
public enum StopSequences: Codable, Sendable, Equatable {
    case one(String)
    case many([String])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let one = try? container.decode(String.self) { self = .one(one) } else { self = .many(try container.decode([String].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .one(let value): try container.encode(value)
        case .many(let values): try container.encode(values)
        }
    }
}

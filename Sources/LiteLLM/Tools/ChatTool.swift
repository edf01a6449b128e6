/// A tool a model may call: its definition (name, description, parameter schema) and the code that runs a call.
///
/// ```swift
/// let clock = FunctionTool(name: "now", description: "The current date and time") { _ in
///     Date().ISO8601Format()
/// }
/// let result = try await client.completeWithTools(request, tools: [clock], settings: settings)
/// ```
public protocol ChatTool: Sendable {
    /// What the model is told about the tool.
    var definition: Tool { get }
    /// Runs one call.
    /// - Parameter arguments: the arguments the model wrote, parsed (an object, `{}` when it gave none).
    /// - Returns: the result the model reads.
    /// - Throws: any error; the loop sends its description to the model as the result of the call.
    func call(arguments: JSONValue) async throws -> String
}

extension ChatTool {
    /// The tool's name, as the model calls it.
    public var name: String { definition.function.name }
}

/// A tool made of a closure.
public struct FunctionTool: ChatTool {
    /// The name, description and parameter schema the model is told.
    public let definition: Tool
    private let body: @Sendable (JSONValue) async throws -> String

    /// - Parameters:
    ///   - name: what the model calls it (`[A-Za-z0-9_-]`, at most 64 characters).
    ///   - description: what it does, for the model.
    ///   - parameters: the schema of its arguments (default: an object with no properties).
    ///   - body: runs a call with the parsed arguments.
    public init(name: String, description: String, parameters: JSONSchema = .object([(String, JSONSchema)]()),
                body: @escaping @Sendable (JSONValue) async throws -> String) {
        definition = Tool(function: .init(name: name, description: description, parameters: parameters.json))
        self.body = body
    }

    /// Runs the closure with the parsed arguments.
    public func call(arguments: JSONValue) async throws -> String { try await body(arguments) }
}

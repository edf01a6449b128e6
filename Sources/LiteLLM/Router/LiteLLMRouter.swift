import PythonEmbed

/// One deployment of a router group: a litellm model with its own settings (endpoint, key, region, ...).
public struct RouterDeployment: Sendable, Equatable {
    /// The group (public model name) it serves.
    public var group: String
    /// Its id, unique in the router, returned with each answer it gives (litellm's `model_info.id`).
    public var id: String
    /// The litellm model.
    public var litellmModel: String
    /// Its settings; `cooldownSeconds` goes to litellm as the deployment's `cooldown_time`.
    public var settings: ProviderSettings
    /// How long litellm keeps the deployment out of rotation after a failure that cools it down; `nil` for litellm's
    /// default (5 s).
    public var cooldownSeconds: Double?
    /// The most tokens a call answered by this deployment may ask for: a call's `max_tokens` and
    /// `max_completion_tokens` above it are lowered to it when this deployment is picked, so a group reached as a
    /// fallback keeps its own cap. `nil` for none.
    public var maxTokens: Int?

    /// Creates a deployment.
    /// - Parameters:
    ///   - group: The group it serves.
    ///   - id: Its unique id.
    ///   - litellmModel: The litellm model.
    ///   - settings: Its settings.
    ///   - cooldownSeconds: Its cooldown.
    ///   - maxTokens: The most tokens a call it answers may ask for.
    public init(group: String, id: String, litellmModel: String, settings: ProviderSettings, cooldownSeconds: Double? = nil,
                maxTokens: Int? = nil) {
        self.group = group
        self.id = id
        self.litellmModel = litellmModel
        self.settings = settings
        self.cooldownSeconds = cooldownSeconds
        self.maxTokens = maxTokens
    }
}

/// How one call through the router may fail over.
public struct RouterPolicy: Sendable, Equatable {
    /// Retries within the group (litellm's `num_retries`; each retry picks a deployment that is not cooling down).
    public var retries: Int
    /// Groups to try, in order, once the group's retries are spent (litellm's `fallbacks`).
    public var fallbacks: [String]

    /// Creates a policy.
    public init(retries: Int = 0, fallbacks: [String] = []) {
        self.retries = retries
        self.fallbacks = fallbacks
    }
}

/// An answer through the router, with the id of the deployment that gave it.
public struct RoutedReply<Value: Sendable>: Sendable {
    /// The answer.
    public var value: Value
    /// The answering deployment's ``RouterDeployment/id`` (`nil` if litellm did not say).
    public var deployment: String?
}

/// litellm's `Router` in-process: groups of deployments with retries, fallbacks to other groups and cooldowns of
/// failing deployments, all litellm's own logic. Calls run on the client's loop thread like the client's.
///
/// Made once per process with every deployment it will serve (``LiteLLMClient/makeRouter(_:)``); the request's
/// `model` names the group.
public final class LiteLLMRouter: Sendable {
    private let client: LiteLLMClient
    private let completeFunction: PythonHandle
    private let streamFunction: PythonHandle
    private let embedFunction: PythonHandle
    private let closeFunction: PythonHandle
    private let secrets: [String]

    init(client: LiteLLMClient, handles: (PythonHandle, PythonHandle, PythonHandle, PythonHandle), secrets: [String]) {
        self.client = client
        (completeFunction, streamFunction, embedFunction, closeFunction) = handles
        self.secrets = secrets
    }

    /// Takes the router's callbacks out of litellm's process-wide lists, on the loop, once the router is gone.
    /// litellm keeps every Router's failure callbacks for good and refuses any beyond 30 a list: without this, the
    /// deployments of a process's 31st Router would never cool down.
    deinit {
        let (loop, close) = (client.loop, closeFunction)
        Task { _ = try? await loop.run({ gil in try close.borrow(gil).call(arguments: [], gil) }, convert: { _, _ in () }) }
    }

    /// One whole chat completion from `request.model`'s group.
    /// - Parameters:
    ///   - request: The request; `model` is the group.
    ///   - policy: Retries and fallbacks.
    ///   - timeout: An overall deadline for the call, retries and fallbacks included.
    /// - Returns: The completion and the deployment that answered.
    /// - Throws: ``LiteLLMError`` from the last attempt, or `CancellationError`.
    public func complete(_ request: ChatCompletionRequest, policy: RouterPolicy, timeout: Duration? = nil) async throws
        -> RoutedReply<ChatCompletion>
    {
        let arguments = Self.arguments(request, policy: policy, timeout: timeout)
        return try await call(completeFunction, arguments) { reply, gil in
            RoutedReply(value: try ChatCompletion.decodePriced(reply.attribute("reply", gil), gil),
                        deployment: try reply.attribute("deployment", gil).toValue(gil).stringValue)
        }
    }

    /// Opens a streamed chat completion; retries and fallbacks apply until the stream is open, never after. The
    /// stream keeps the router, and so its callbacks in litellm's lists, until the stream is gone: litellm's failure
    /// logging of a stream that fails midway still reaches them.
    /// - Returns: The chunks and the deployment that answered.
    /// - Throws: ``LiteLLMError`` from the last attempt to open it, or `CancellationError`.
    public func stream(_ request: ChatCompletionRequest, policy: RouterPolicy, timeout: Duration? = nil) async throws
        -> RoutedReply<ChatCompletionStream>
    {
        let arguments = Self.arguments(request, policy: policy, timeout: timeout)
        let loop = client.loop
        let (chunks, deployment) = try await call(streamFunction, arguments) { stream, gil in
            (try PythonAsyncSequence<ChatCompletionChunk>(stream, loop: loop, gil) { chunk, gil in
                try ChatCompletionChunk.decode(chunk, gil)
            }, try stream.attribute("deployment", gil).toValue(gil).stringValue)
        }
        return RoutedReply(value: ChatCompletionStream(chunks: chunks, secrets: secrets, owner: self), deployment: deployment)
    }

    /// Embeds texts with `request.model`'s group.
    /// - Returns: The vectors and the deployment that answered.
    /// - Throws: ``LiteLLMError`` from the last attempt, or `CancellationError`.
    public func embed(_ request: EmbeddingRequest, policy: RouterPolicy, timeout: Duration? = nil) async throws
        -> RoutedReply<EmbeddingResponse>
    {
        let arguments = Self.arguments(request, policy: policy, timeout: timeout)
        let (reply, deployment) = try await call(embedFunction, arguments) { reply, gil in
            (try Payload.embeddingReply(reply.attribute("reply", gil).toValue(gil)),
             try reply.attribute("deployment", gil).toValue(gil).stringValue)
        }
        return RoutedReply(value: try Payload.decodeEmbedding(reply), deployment: deployment)
    }

    private func call<T: Sendable>(_ function: PythonHandle, _ arguments: PythonValue,
                                   read: @escaping @Sendable (borrowing PyRef, borrowing GIL) throws -> T) async throws -> T {
        do {
            return try await client.loop.run({ gil in
                try function.borrow(gil).call(arguments: [arguments], gil)
            }, convert: read)
        } catch let error as PythonError {
            throw LiteLLMError(error, secrets: secrets)
        }
    }

    static func arguments(_ request: some RequestEncodable, policy: RouterPolicy, timeout: Duration?) -> PythonValue {
        guard case .object(var members) = Payload.arguments(request, settings: ProviderSettings(), timeout: timeout),
              case .string(let group)? = members["model"]
        else { return request.pythonValue }
        members["num_retries"] = .int(policy.retries)
        members["fallbacks"] = .array(policy.fallbacks.isEmpty ? [] : [.object([group: .array(policy.fallbacks.map(PythonValue.string))])])
        return .object(members)
    }

    /// litellm's `model_list` entry of a deployment.
    static func modelListEntry(_ deployment: RouterDeployment) -> PythonValue {
        var parameters = deployment.settings.keywords
        parameters["model"] = .string(deployment.litellmModel)
        if let cooldown = deployment.cooldownSeconds { parameters["cooldown_time"] = .double(cooldown) }
        var info: [String: PythonValue] = ["id": .string(deployment.id)]
        if let cap = deployment.maxTokens { info[RouterGlue.maxTokensKey] = .int(cap) }
        return .object([
            "model_name": .string(deployment.group),
            "litellm_params": .object(parameters.mapValues(\.pythonValue)),
            "model_info": .object(info),
        ])
    }
}

extension LiteLLMClient {
    /// Makes litellm's `Router` over `deployments` (all the groups it will serve, fallback targets included).
    /// - Parameter deployments: Every deployment, each naming its group; ids must be unique.
    /// - Returns: The router.
    /// - Throws: ``LiteLLMError`` if litellm refuses the model list, or a deployment's settings would overwrite a
    ///   request field (``ProviderSettings/checkExtra()``).
    public func makeRouter(_ deployments: [RouterDeployment]) async throws -> LiteLLMRouter {
        for deployment in deployments { try deployment.settings.checkExtra() }
        let modelList = PythonValue.array(deployments.map(LiteLLMRouter.modelListEntry))
        let secrets = deployments.flatMap(\.settings.secrets)
        // As `call` does for a plain call: Python's own log lines (litellm's, the Router's) about any deployment are
        // redacted too. Once here, since the Router holds every deployment's settings for the process's life.
        for deployment in deployments { deployment.settings.rememberSecrets() }
        do {
            let handles = try await loop.run({ gil in
                try RouterGroupFacts.module.functions(gil)  // imported by RouterCallPath's module
                try RouterCallPath.module.functions(gil)  // imported by RouterGlue's module
                return try RouterGlue.module.functions(gil).borrow(gil).call(arguments: [modelList], gil)
            }, convert: { gateway, gil in
                (try gateway.attribute("complete", gil).handle(gil), try gateway.attribute("start_stream", gil).handle(gil),
                 try gateway.attribute("embed", gil).handle(gil), try gateway.attribute("close", gil).handle(gil))
            })
            return LiteLLMRouter(client: self, handles: handles, secrets: secrets)
        } catch let error as PythonError {
            throw LiteLLMError(error, secrets: secrets)
        }
    }
}

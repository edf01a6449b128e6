import LiteLLM
import Logging
import Synchronization

/// The process's one litellm Router, over every public model that has deployments (or retries, fallbacks or a
/// cooldown) and every model those fall back to. Made on first use, once every deployment's key is known
/// (`api_key_secret` keys are read then); a failure is not kept, so the next request tries again.
actor RouterHolder {
    private let client: LiteLLMClient
    private let models: [String: ModelRoute]
    private let credentials: CredentialStore
    /// Each public model's token cap, which its deployments keep when they answer for another model as a fallback.
    private let maxTokens: [String: Int]
    private var router: Task<LiteLLMRouter, any Error>?
    /// The router once made, read without entering the actor: every routed request asks for it, and the way back
    /// from an actor to the request's task is a hop through the global executor (the bench's routed path paid it on
    /// every call).
    private nonisolated let made = Mutex<LiteLLMRouter?>(nil)

    init(client: LiteLLMClient, models: [String: ModelRoute], credentials: CredentialStore, maxTokens: [String: Int] = [:]) {
        self.client = client
        self.models = models
        self.credentials = credentials
        self.maxTokens = maxTokens
    }

    /// The router, made now if it is not yet.
    nonisolated func router(logger: Logger) async throws -> LiteLLMRouter {
        if let router = made.withLock({ $0 }) { return router }
        return try await make(logger: logger)
    }

    private func make(logger: Logger) async throws -> LiteLLMRouter {
        let task: Task<LiteLLMRouter, any Error>
        if let router {
            task = router
        } else {
            let (client, models, credentials, maxTokens) = (client, models, credentials, maxTokens)
            task = Task {
                try await client.makeRouter(try await Self.deployments(models, maxTokens: maxTokens, credentials: credentials, logger: logger))
            }
            router = task
        }
        do {
            let value = try await task.value
            made.withLock { $0 = value }
            return value
        } catch {
            if router == task { router = nil }
            throw error
        }
    }

    /// The Router's model list: each routed model's deployments with ids naming the public name and index (``DeploymentID``), and the models
    /// they fall back to.
    static func deployments(_ models: [String: ModelRoute], maxTokens: [String: Int] = [:], credentials: CredentialStore,
                            logger: Logger) async throws -> [RouterDeployment] {
        var names = Set(models.values.filter(\.usesRouter).map(\.name))
        for route in models.values where route.usesRouter { names.formUnion(route.fallbacks) }
        var result: [RouterDeployment] = []
        let router = DeploymentID.nextRouter()
        for name in names.sorted() {
            guard let route = models[name] else { continue }
            for (index, deployment) in route.routerDeployments.enumerated() {
                var settings = deployment.settings
                if let secret = deployment.apiKeySecret { settings.apiKey = try await credentials.key(secret, model: name, logger: logger) }
                result.append(RouterDeployment(group: name, id: DeploymentID.make(router: router, model: name, index: index),
                                               litellmModel: deployment.litellmModel, settings: settings,
                                               cooldownSeconds: route.cooldownSeconds, maxTokens: maxTokens[name]))
            }
        }
        return result
    }

    /// The call policy of a routed model for `caller`: its retries (default: one per other deployment) and the
    /// fallbacks the caller may use (a caller is never answered by a model its key does not allow).
    static func policy(_ route: ModelRoute, for caller: Caller) -> RouterPolicy {
        RouterPolicy(retries: route.retries ?? max(0, route.routerDeployments.count - 1),
                     fallbacks: route.fallbacks.filter(caller.mayUse))
    }
}

/// A deployment's id in the Router: `<router>:<public name>#<index>`, where `<router>` numbers the routers of the
/// process. litellm's Router registers its cooldown bookkeeping as process-wide litellm callbacks, so two routers in
/// one process (tests make several) would otherwise cool down each other's deployments of the same name. It names no
/// key and no URL, so it may go in logs and headers.
enum DeploymentID {
    private static let routers = Mutex(0)

    /// A fresh router number.
    static func nextRouter() -> Int { routers.withLock { $0 += 1; return $0 } }

    static func make(router: Int, model: String, index: Int) -> String { "\(router):\(model)#\(index)" }

    /// The public model and index of an id.
    static func parse(_ id: String?) -> (model: String, index: Int)? {
        guard let id, let colon = id.firstIndex(of: ":") else { return nil }
        let rest = id[id.index(after: colon)...]
        guard let hash = rest.lastIndex(of: "#"), let index = Int(rest[rest.index(after: hash)...]) else { return nil }
        return (String(rest[..<hash]), index)
    }
}

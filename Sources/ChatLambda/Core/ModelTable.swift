import Foundation
import LiteLLM

/// Reads `EMBEDCHAT_MODELS`, refusing at init every key it does not know (a misspelt `api_key_secert` would
/// otherwise reach the provider in the request body, since litellm passes unknown keywords on to
/// OpenAI-compatible providers).
///
/// A plain entry: `{"model": "<litellm model>", ...settings}`. An entry with deployments:
/// `{"deployments": [{"model": ..., ...settings}, ...], "retries"?: n, "fallbacks"?: ["other-public-name"],
/// "cooldown_seconds"?: s, "max_tokens"?: n}`; `retries`, `fallbacks` and `cooldown_seconds` may also sit beside a
/// plain entry's `model`, which then goes through the Router as a group of one.
public enum ModelTable {
    /// The keys of a deployment (or plain entry) that embedchat reads itself.
    public static let ownKeys: Set<String> = ["model", "api_key_env", "api_key_secret"]
    /// The litellm settings a deployment (or plain entry) may carry, passed to litellm as they are.
    public static let litellmSettings: Set<String> = [
        "api_base", "api_key", "api_version", "organization", "timeout", "stream_timeout", "num_retries", "drop_params",
        "mock_response", "custom_llm_provider", "extra_headers", "input_cost_per_token", "output_cost_per_token",
        "aws_region_name", "aws_profile_name", "aws_role_name", "aws_session_name", "aws_web_identity_token",
        "aws_sts_endpoint", "aws_bedrock_runtime_endpoint", "aws_access_key_id", "aws_secret_access_key",
        "aws_session_token", "vertex_project", "vertex_location", "vertex_credentials",
    ]
    /// litellm Router settings a deployment (never a plain entry) may carry: they weigh litellm's random pick of a
    /// deployment (`simple-shuffle`). (`order` is not among them: litellm 1.78.7 reads it only with its pre-call checks,
    /// which count every prompt's tokens.)
    public static let routingSettings: Set<String> = ["weight", "rpm", "tpm"]
    /// The keys of an entry itself.
    public static let entryKeys: Set<String> = ["deployments", "retries", "fallbacks", "cooldown_seconds", "max_tokens"]

    /// Parses the table.
    /// - Parameters:
    ///   - text: The JSON.
    ///   - environment: Where `api_key_env` variables are read.
    /// - Returns: The routes by public name.
    /// - Throws: ``ChatConfigurationError`` naming the entry and the key at fault.
    public static func parse(_ text: String, environment: [String: String]) throws(ChatConfigurationError) -> [String: ModelRoute] {
        guard let data = text.data(using: .utf8),
              let table = try? JSONDecoder().decode([String: JSONValue].self, from: data)
        else {
            throw ChatConfigurationError(message: "EMBEDCHAT_MODELS is not a JSON object of model entries")
        }
        guard !table.isEmpty else { throw ChatConfigurationError(message: "EMBEDCHAT_MODELS names no model") }
        var routes: [String: ModelRoute] = [:]
        for (name, entry) in table {
            routes[name] = try parseEntry(name: name, entry, environment: environment)
        }
        for route in routes.values {
            for target in route.fallbacks where routes[target] == nil || target == route.name {
                throw ChatConfigurationError(message: "EMBEDCHAT_MODELS['\(route.name)'].fallbacks names '\(target)', which is \(target == route.name ? "the entry itself" : "not a model in the table")")
            }
        }
        return routes
    }

    static func parseEntry(name: String, _ entry: JSONValue, environment: [String: String]) throws(ChatConfigurationError) -> ModelRoute {
        let path = "EMBEDCHAT_MODELS['\(name)']"
        guard !name.isEmpty else { throw ChatConfigurationError(message: "EMBEDCHAT_MODELS has an empty model name") }
        guard var fields = entry.objectValue else { throw ChatConfigurationError(message: "\(path) is not an object") }
        var route = ModelRoute(name: name, litellmModel: "")
        if let value = fields.removeValue(forKey: "max_tokens") {
            guard let cap = value.intValue, cap > 0 else { throw ChatConfigurationError(message: "\(path).max_tokens is not a positive integer") }
            route.maxTokens = cap
        }
        if let value = fields.removeValue(forKey: "retries") {
            guard let retries = value.intValue, (0...10).contains(retries) else {
                throw ChatConfigurationError(message: "\(path).retries is not an integer from 0 to 10")
            }
            route.retries = retries
        }
        if let value = fields.removeValue(forKey: "fallbacks") {
            guard let names = value.arrayValue?.compactMap(\.stringValue), names.count == value.arrayValue?.count else {
                throw ChatConfigurationError(message: "\(path).fallbacks is not an array of public model names")
            }
            route.fallbacks = names
        }
        if let value = fields.removeValue(forKey: "cooldown_seconds") {
            guard let seconds = value.doubleValue, seconds >= 0, seconds <= 3600 else {
                throw ChatConfigurationError(message: "\(path).cooldown_seconds is not a number of seconds from 0 to 3600")
            }
            route.cooldownSeconds = seconds
        }
        if let value = fields.removeValue(forKey: "deployments") {
            guard let list = value.arrayValue, !list.isEmpty, list.count <= 64 else {
                throw ChatConfigurationError(message: "\(path).deployments is not an array of 1 to 64 deployment objects")
            }
            if let stray = fields.keys.sorted().first {
                throw ChatConfigurationError(message: "\(path) has deployments, so '\(stray)' belongs inside each deployment (an entry with deployments holds only \(entryKeys.sorted().joined(separator: ", ")))")
            }
            for (index, item) in list.enumerated() {
                guard let object = item.objectValue else {
                    throw ChatConfigurationError(message: "\(path).deployments[\(index)] is not an object")
                }
                route.deployments.append(try parseDeployment(object, path: "\(path).deployments[\(index)]", routing: true, environment: environment))
            }
            let first = route.deployments[0]
            route.litellmModel = first.litellmModel
            route.settings = first.settings
            return route
        }
        let deployment = try parseDeployment(fields, path: path, routing: false, environment: environment)
        route.litellmModel = deployment.litellmModel
        route.settings = deployment.settings
        route.apiKeyEnvironment = deployment.apiKeyEnvironment
        route.apiKeySecret = deployment.apiKeySecret
        return route
    }

    static func parseDeployment(_ entry: [String: JSONValue], path: String, routing: Bool,
                                environment: [String: String]) throws(ChatConfigurationError) -> Deployment {
        var fields = entry
        let allowed = ownKeys.union(litellmSettings).union(routing ? routingSettings : [])
        let unknown = fields.keys.filter { !allowed.contains($0) }.sorted()
        if !unknown.isEmpty {
            let names = unknown.map { "'\($0)'" }.joined(separator: ", ")
            let hint = unknown.contains(where: routingSettings.contains)
                ? " (\(routingSettings.sorted().joined(separator: ", ")) are allowed only inside \"deployments\")"
                : ""
            throw ChatConfigurationError(message: "\(path) has unsupported key\(unknown.count == 1 ? "" : "s") \(names)\(hint); supported: \(allowed.sorted().joined(separator: ", "))")
        }
        guard let model = fields.removeValue(forKey: "model")?.stringValue, !model.isEmpty else {
            throw ChatConfigurationError(message: "\(path) has no \"model\" string")
        }
        var deployment = Deployment(litellmModel: model)
        if let value = fields.removeValue(forKey: "api_base") {
            guard let base = value.stringValue else { throw ChatConfigurationError(message: "\(path).api_base is not a string") }
            deployment.settings.apiBase = base
        }
        if let value = fields.removeValue(forKey: "api_key_env") {
            guard let variable = value.stringValue else { throw ChatConfigurationError(message: "\(path).api_key_env is not a string") }
            guard let key = ChatConfiguration.nonEmpty(environment[variable]) else {
                throw ChatConfigurationError(message: "\(path).api_key_env names \(variable), which is not set")
            }
            deployment.apiKeyEnvironment = variable
            deployment.settings.apiKey = key
        }
        if let value = fields.removeValue(forKey: "api_key_secret") {
            guard let secret = value.stringValue, !secret.isEmpty else {
                throw ChatConfigurationError(message: "\(path).api_key_secret is not a secret id")
            }
            guard deployment.apiKeyEnvironment == nil else {
                throw ChatConfigurationError(message: "\(path) sets both api_key_env and api_key_secret")
            }
            deployment.apiKeySecret = secret
        }
        if let value = fields.removeValue(forKey: "api_key") {
            guard deployment.apiKeyEnvironment == nil, deployment.apiKeySecret == nil, let key = value.stringValue else {
                throw ChatConfigurationError(message: "\(path).api_key conflicts with api_key_env/api_key_secret or is not a string")
            }
            deployment.settings.apiKey = key
        }
        deployment.settings.extra = fields
        return deployment
    }
}

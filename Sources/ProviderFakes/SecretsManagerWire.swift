// AWS Secrets Manager's JSON protocol, for GetSecretValue only: `POST /` with
// `x-amz-target: secretsmanager.GetSecretValue` and `{"SecretId": ...}`, signed with SigV4.
//
// | secret id | answer |
// |---|---|
// | `missing/...` | 400 `ResourceNotFoundException` |
// | `denied/...` | 400 `AccessDeniedException` |
// | `hang/...` | nothing, ever (a tarpit) |
// | anything else | `{"SecretString": "{\"api_key\": \"sk-fake-secret-<id>\"}"}` |

enum SecretsManagerWire {
    static func isRequest(_ request: RecordedRequest) -> Bool {
        request.method == "POST" && (request.header("x-amz-target")?.hasPrefix("secretsmanager.") ?? false)
    }

    /// The key the fake stores in a secret: `sk-fake-secret-` and the id's letters and digits.
    static func key(forSecret id: String) -> String {
        "sk-fake-secret-" + String(id.unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) }.map(Character.init))
    }

    static func answer(_ request: RecordedRequest, body: JSONValue?) -> [ResponseStep] {
        guard let auth = request.header("authorization"), auth.hasPrefix(BedrockWire.sigV4Prefix) else {
            return error(status: 400, type: "MissingAuthenticationTokenException", message: "Missing Authentication Token")
        }
        guard request.header("x-amz-target") == "secretsmanager.GetSecretValue", let id = body?["SecretId"]?.stringValue else {
            return error(status: 400, type: "InvalidRequestException", message: "fake Secrets Manager serves GetSecretValue only")
        }
        if id.hasPrefix("hang/") { return [.hang] }
        if id.hasPrefix("missing/") {
            return error(status: 400, type: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret.")
        }
        if id.hasPrefix("denied/") {
            return error(status: 400, type: "AccessDeniedException", message: "User is not authorized to perform secretsmanager:GetSecretValue")
        }
        let value = "{\"api_key\": \"\(key(forSecret: id))\"}"
        return ResponsePlan.full(status: 200, contentType: "application/x-amz-json-1.1", body: JSONValue.object([
            ("ARN", .string("arn:aws:secretsmanager:us-east-1:123456789012:secret:\(id)")), ("Name", .string(id)),
            ("SecretString", .string(value)), ("VersionId", .string("fake-version")),
        ]).bytes)
    }

    static func error(status: Int, type: String, message: String) -> [ResponseStep] {
        ResponsePlan.full(status: status, contentType: "application/x-amz-json-1.1",
                          body: JSONValue.object([("__type", .string(type)), ("message", .string(message))]).bytes)
    }
}

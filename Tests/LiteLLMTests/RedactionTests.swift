import Foundation
import LiteLLM
import ProviderFakes
import PythonEmbed
import Testing

@Suite("Secrets never reach a message or a log line")
struct RedactionTests {
    /// Each form a configured secret or a credential takes in real messages, and what must be left of it.
    @Test(arguments: [
        // A configured secret, raw and in each encoding.
        ("key sk-live-Super/Secret+Key0123", "key [REDACTED]"),
        ("url-encoded: key%3Dsk-live-Super%2FSecret%2BKey0123", "url-encoded: key%3D[REDACTED]"),
        ("lower hex: sk-live-Super%2fSecret%2bKey0123", "lower hex: [REDACTED]"),
        (#"json: {"api_key":"sk-live-Super\/Secret+Key0123"}"#, #"json: {"api_key":"[REDACTED]"}"#),
        ("base64: c2stbGl2ZS1TdXBlci9TZWNyZXQrS2V5MDEyMw==", "base64: [REDACTED]"),
        // Credential shapes, whatever the value.
        ("header bearer abc.def.ghijklmnop", "header bearer [REDACTED]"),
        ("header Bearer abc.def.ghijklmnop", "header Bearer [REDACTED]"),
        ("x-api-key: opaque-anthropic-value", "x-api-key: [REDACTED]"),
        ("{'x-api-key': 'opaque-anthropic-value'}", "{'x-api-key': '[REDACTED]'}"),
        ("GET https://generativelanguage.googleapis.com/v1/models?key=opaquegooglekey&alt=sse",
         "GET https://generativelanguage.googleapis.com/v1/models?key=[REDACTED]&alt=sse"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZDE=", "Authorization: Basic [REDACTED]"),
        ("proxy https://deploy:hunter2hunter2@proxy.example.com/v1 failed", "proxy https://deploy:[REDACTED]@proxy.example.com/v1 failed"),
        ("aws AKIAABCDEFGHIJKLMNOP and X-Amz-Signature=0123456789abcdef", "aws [REDACTED] and X-Amz-Signature=[REDACTED]"),
        ("google AIzaSyA-0123456789abcdefghijklmnopqrstu", "google [REDACTED]"),
        // Not credentials: left alone.
        ("usage max_tokens=1000 prompt_tokens: 12345678 total_tokens=99", "usage max_tokens=1000 prompt_tokens: 12345678 total_tokens=99"),
        ("litellm.AuthenticationError: AnthropicException - invalid", "litellm.AuthenticationError: AnthropicException - invalid"),
        ("task-manager sk-short https://api.openai.com:443/v1", "task-manager sk-short https://api.openai.com:443/v1"),
    ])
    func everyFormIsRedacted(text: String, expected: String) {
        #expect(Redactor.redact(text, secrets: ["sk-live-Super/Secret+Key0123"]) == expected)
    }

    @Test func pythonReprAndUnicodeEscapesOfASecretAreRedacted() {
        let secret = "pa'ss\\wörd-0123"
        let text = #"repr: 'pa\'ss\\wörd-0123' json: "pa'ss\\w\u00f6rd-0123""#
        let redacted = Redactor.redact(text, secrets: [secret])
        #expect(redacted == "repr: '[REDACTED]' json: \"[REDACTED]\"", "\(redacted)")
    }

    @Test func anyEnvironmentVariableNamedLikeASecretIsRedacted() {
        defer { Redactor.rescanEnvironment() }
        Redactor.rescanEnvironment([
            "ACME_API_KEY": "acme-plain-value-9876", "VENDOR_CLIENT_SECRET_VALUE": "vendor-plain-value-5432",
            "INTERNAL_TOKEN": "internal-plain-value-1111", "EMBEDCHAT_HARMLESS_SETTING": "plain-setting-value-2222",
        ])
        let text = "a acme-plain-value-9876 b vendor-plain-value-5432 c internal-plain-value-1111 d plain-setting-value-2222"
        #expect(Redactor.redact(text) == "a [REDACTED] b [REDACTED] c [REDACTED] d plain-setting-value-2222")
    }

    @Test(arguments: ["OPENAI_API_KEY", "MY_VENDOR_APIKEY", "AWS_SESSION_TOKEN", "x-api-key", "Authorization",
                      "vertex_credentials", "db_password", "aws_secret_access_key", "X-Amz-Signature", "key"])
    func secretNamesAreRecognised(name: String) { #expect(Redactor.isSecretName(name)) }

    @Test(arguments: ["TOKENIZERS_PARALLELISM", "max_tokens", "prompt_tokens", "KEYBOARD_LAYOUT", "AuthenticationError", "model"])
    func ordinaryNamesAreNot(name: String) { #expect(!Redactor.isSecretName(name)) }

    @Test func logTextCannotStartALineOfItsOwn() {
        let line = Redactor.loggable("first\nERROR forged\r\u{1b}[2J\u{2028}end")
        #expect(!line.contains("\n") && !line.contains("\r") && !line.contains("\u{1b}") && !line.contains("\u{2028}"))
        #expect(line == "first\\nERROR forged\\r\\u{1b}[2J\\u{2028}end")
    }

    /// The fake's 401 echoes the presented key, raw and percent-encoded, as careless providers do.
    @Test func apiKeysNeverAppearInErrors() async throws {
        try await withProvider { client, server in
            let key = "sk-live-Super/Secret+Key0123456789"
            let routes: [(String, ProviderSettings)] = [
                ("openai/status-401", ProviderSettings(apiBase: server.openAIBase, apiKey: key, maxRetries: 0)),
                ("anthropic/status-401", ProviderSettings(apiBase: server.anthropicBase, apiKey: key, maxRetries: 0)),
            ]
            for (model, settings) in routes {
                var request = ask(model)
                request.maxTokens = 10
                let error = await #expect(throws: LiteLLMError.self) { _ = try await client.complete(request, settings: settings) }
                let text = "\(String(describing: error)) \(error?.message ?? "") \(error?.callerMessage ?? "")"
                #expect(error?.kind == .authentication, "\(text)")
                // The fake did echo it (so the check below could fail) ...
                #expect(text.contains("Presented key"), "\(text)")
                // ... and no form of it survived: raw, percent-encoded or cut at the '/'.
                #expect(!text.contains("Key0123456789"), "\(text)")
                #expect(!text.contains("Super"), "\(text)")
            }
            let recorded = server.recordedRequests.map { $0.header("authorization") ?? $0.header("x-api-key") ?? "" }
            #expect(recorded.contains { $0.contains(key) }, "the key was not presented, so nothing was tested")
        }
    }

    @Test func secretsInsideApiBaseAndExtraHeadersAreRedacted() async throws {
        try await withProvider { client, server in
            // The fake's 404 quotes the path it was sent, query string and all.
            var settings = ProviderSettings(apiBase: server.openAIBase + "/nowhere?key=query-secret-0123456789",
                                            apiKey: "sk-test-0123456789abcdef", maxRetries: 0)
            settings.extra["extra_headers"] = .object(["X-Custom-Auth": .string("header-secret-0123456789")])
            let error = await #expect(throws: LiteLLMError.self) { _ = try await client.complete(ask("openai/echo"), settings: settings) }
            let text = "\(String(describing: error)) \(error?.message ?? "")"
            #expect(!text.contains("query-secret-0123456789"), "\(text)")
            let recorded = try #require(server.recordedRequests.last)
            #expect(recorded.path.contains("query-secret-0123456789"))
            #expect(recorded.header("x-custom-auth") == "header-secret-0123456789")
            #expect(!Redactor.redact("echo header-secret-0123456789").contains("header-secret"), "extra_headers values are remembered")
        }
    }

    @Test func callersGetAGenericMessageWithTheProvidersStatusAndType() async throws {
        try await withProvider { client, server in
            let error = await #expect(throws: LiteLLMError.self) {
                _ = try await client.complete(ask("openai/status-401"), settings: server.openAI)
            }
            let caller = try #require(error?.callerMessage)
            #expect(caller.contains("status 401") && caller.contains("authentication"), "\(caller)")
            #expect(!caller.contains("Incorrect API key"), "the provider's words reach the caller: \(caller)")
            #expect(error?.message.contains("Incorrect API key") == true, "the detail for the log is lost")
        }
    }

    @Test func pythonsOwnOutputIsLoggedRedactedOneLineEach() async throws {
        let capture = LogCapture.shared
        _ = try await startClient()
        let marker = "marker-\(UUID().uuidString)"
        let remembered = "remembered-secret-\(UUID().uuidString.prefix(8))"
        Redactor.remember([remembered])
        try Interpreter.withGIL { gil in
            _ = try Interpreter.run("""
                import asyncio, gc, logging, sys, traceback, warnings
                logging.getLogger("LiteLLM").error("litellm says api_key=%s\\nERROR forged line %s", "opaque-value-0123456789", "\(marker)")
                async def _fail():
                    raise RuntimeError("task failed with Bearer abcdefghijklmnop \(remembered) \(marker)")
                _loop = asyncio.new_event_loop()
                _task = _loop.create_task(_fail())
                _loop.run_until_complete(asyncio.sleep(0.01))
                del _task
                gc.collect()
                _loop.close()
                try:
                    raise ValueError("traceback with \(remembered) \(marker)")
                except ValueError:
                    traceback.print_exc()
                print("stray print \(remembered) \(marker)")
                sys.stdout.flush()
                sys.stderr.flush()
                """, gil)
        }
        let entries = capture.entries(containing: marker)
        let python = entries.filter { $0.label == "python" }
        #expect(python.contains { $0.metadata["python"] == "LiteLLM" && $0.message.contains("\\nERROR forged line") }, "\(entries)")
        #expect(python.contains { $0.metadata["python"] == "asyncio" && $0.message.contains("never retrieved") }, "\(entries)")
        #expect(python.contains { $0.metadata["python"] == "python.stderr" && $0.message.contains("ValueError") }, "\(entries)")
        #expect(python.contains { $0.metadata["python"] == "python.stdout" && $0.message.contains("stray print") }, "\(entries)")
        for entry in entries {
            #expect(!entry.message.contains("\n"), "\(entry.message)")
            #expect(!entry.message.contains(remembered) && !entry.message.contains("opaque-value") && !entry.message.contains("abcdefghijklmnop"),
                    "\(entry.message)")
        }
    }
}

import LiteLLM
import PythonEmbed
import Testing

/// ClientKeyCut (Sources/LiteLLM/RequestPath/): the OpenAI client's parameter names are read once, not per call.
@Suite("Per-request cuts: OpenAI's constructor parameters read once")
struct ClientKeyCutTests {
    @Test func theClientKeyIsBuiltWithoutInspectingTheConstructorAgain() async throws {
        _ = try await startClient()
        let outcome = try Interpreter.withGIL { gil in
            try Interpreter.run(#"""
            import inspect
            from litellm.llms.openai.common_utils import BaseOpenAILLM
            import _embedchat_client_key

            params = {"api_key": "sk-test", "is_async": True, "timeout": 600.0, "max_retries": 0, "api_base": "http://127.0.0.1:9/v1"}
            BaseOpenAILLM.get_openai_client_cache_key(params, client_type="openai")  # the first call may read it
            BaseOpenAILLM.get_openai_client_cache_key(params, client_type="azure")
            inspected = []
            real_signature = inspect.signature
            inspect.signature = lambda *args, **kwargs: inspected.append(args) or real_signature(*args, **kwargs)
            try:
                keys = [BaseOpenAILLM.get_openai_client_cache_key(params, client_type=kind) for kind in ("openai", "azure") * 3]
                fields = [BaseOpenAILLM.get_openai_client_initialization_param_fields(kind) for kind in ("openai", "azure")]
            finally:
                inspect.signature = real_signature
            originals = [_embedchat_client_key.ORIGINAL_FIELDS(kind) for kind in ("openai", "azure")]
            fields[0].append("changed by a caller")  # a caller's change never reaches the next caller
            again = BaseOpenAILLM.get_openai_client_initialization_param_fields("openai")
            result = [_embedchat_client_key.INSTALLED, len(inspected), fields[0][:-1] == originals[0], fields[1] == originals[1],
                      "changed by a caller" in again, "api_key" in again, len(set(keys)), keys[0] == keys[2]]
            """#, gil).toValue(gil)
        }
        // Installed; no signature read across six keys; the same names as litellm's own; two distinct keys (openai,
        // azure), each the same every time.
        #expect(outcome == .array([.bool(true), .int(0), .bool(true), .bool(true), .bool(false), .bool(true), .int(2), .bool(true)]))
    }
}

import LiteLLM
import PythonEmbed
import Testing

/// ParameterSplitCut (Sources/LiteLLM/RequestPath/): litellm's own keywords told apart from the provider's by a set, and
/// the modules loaded before the glue leaving litellm's import to it.
@Suite("Per-request cuts: litellm's keyword split by a set")
struct ParameterSplitCutTests {
    /// The cut modules are loaded before the glue; had one imported anything of litellm's, litellm would have been
    /// imported before the glue set its environment (and fetched its price table from GitHub).
    @Test func litellmIsFirstImportedByTheGlueAfterItsEnvironmentIsSet() async throws {
        _ = try await startClient()
        let outcome = try Interpreter.withGIL { gil in
            try Interpreter.run("""
                import os
                import _embedchat_litellm, _embedchat_client_key, _embedchat_param_split
                result = [_embedchat_litellm.IMPORTED_HERE, os.environ.get("LITELLM_LOCAL_MODEL_COST_MAP"),
                          _embedchat_client_key.INSTALLED, _embedchat_param_split.INSTALLED]
                """, gil).toValue(gil)
        }
        #expect(outcome == .array([.bool(true), .string("True"), .bool(true), .bool(true)]))
    }

    @Test func theSplitAnswersAsLitellmsOwnAndFollowsAChangedList() async throws {
        _ = try await startClient()
        let outcome = try Interpreter.withGIL { gil in
            try Interpreter.run("""
                import litellm, litellm.main, litellm.utils
                import _embedchat_param_split as cut

                calls = [
                    {},
                    {"acompletion": True, "litellm_call_id": "x", "litellm_logging_obj": None, "mock_response": "hi"},
                    {"metadata": {}, "model_info": {"id": "a"}, "litellm_trace_id": "t", "max_retries": 0, "top_k": 3,
                     "custom_provider_flag": 1, "temperature": 0.2, "api_base": "http://127.0.0.1:9/v1"},
                ]
                same = all(cut.get_non_default_completion_params(kwargs=call) == cut.ORIGINAL(kwargs=call) for call in calls)
                unknown = sorted(cut.get_non_default_completion_params(kwargs=calls[2]))
                litellm.utils.all_litellm_params.append("custom_provider_flag")  # a name litellm learns later
                try:
                    learned = sorted(cut.get_non_default_completion_params(kwargs=calls[2]))
                    learned_same = learned == sorted(cut.ORIGINAL(kwargs=calls[2]))
                finally:
                    litellm.utils.all_litellm_params.remove("custom_provider_flag")
                forgotten = sorted(cut.get_non_default_completion_params(kwargs=calls[2]))
                result = [litellm.main.get_non_default_completion_params is cut.get_non_default_completion_params,
                          litellm.utils.get_non_default_completion_params is cut.get_non_default_completion_params,
                          same, unknown, learned, learned_same, forgotten]
                """, gil).toValue(gil)
        }
        // Installed where litellm's completion finds it; the same dicts as litellm's own; a name added to litellm's
        // list counts as litellm's from then on, and stops counting once taken out again.
        #expect(outcome == .array([
            .bool(true), .bool(true), .bool(true), .array([.string("custom_provider_flag"), .string("top_k")]),
            .array([.string("top_k")]), .bool(true), .array([.string("custom_provider_flag"), .string("top_k")]),
        ]))
    }
}

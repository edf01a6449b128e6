import PythonEmbed

/// litellm's split of a call's keywords into its own and the provider's, answered from a set instead of a list.
///
/// Every `litellm.completion` (so every chat call, plain or through the Router) asks
/// `get_non_default_completion_params(kwargs)` which of its keywords litellm does not know, and that function builds
/// `OPENAI_CHAT_COMPLETION_PARAMS + all_litellm_params` (a new 205-name list) and tests `k not in` it for each keyword:
/// a string compare per name until the keyword is found, 30–95 names deep for the keywords a call carries. A Router
/// call carries four more of them (`metadata`, `model_info`, `litellm_trace_id`, `max_retries`). Counted with callgrind
/// over 500 `mock_response` calls: a Router call made ~254 more list compares than a plain one (of ~694 more string
/// compares in all, ~4% more instructions). The cut answers the same question from a frozenset of the same names, made
/// again whenever either list is replaced or changes length, and returns the same dict. Installed only over litellm
/// 1.78.7, the version pinned in python/requirements.txt; litellm's files are not changed.
enum ParameterSplitCut {
    static let moduleName = "_embedchat_param_split"

    static let source = #"""
import importlib.metadata

# Loaded before the glue imports litellm, so litellm is imported by install(), never at load time (see ClientKeyCut).
litellm = None
_litellm_utils = None
ORIGINAL = None  # litellm's own, set by install() (a test compares the two)
_known = (None, None, -1, frozenset())  # (openai list, litellm list, their summed length, their names)


def _known_names():
    global _known
    openai_params, litellm_params = litellm.OPENAI_CHAT_COMPLETION_PARAMS, _litellm_utils.all_litellm_params
    known = _known
    if known[0] is not openai_params or known[1] is not litellm_params or known[2] != len(openai_params) + len(litellm_params):
        known = _known = (openai_params, litellm_params, len(openai_params) + len(litellm_params),
                          frozenset(openai_params + litellm_params))
    return known[3]


def get_non_default_completion_params(kwargs):
    names = _known_names()
    return {k: v for k, v in kwargs.items() if k not in names}


INSTALLED = False


def install():
    global INSTALLED, litellm, _litellm_utils, ORIGINAL
    if INSTALLED or importlib.metadata.version("litellm") != "1.78.7":
        return INSTALLED
    import litellm as _litellm
    import litellm.main as _litellm_main
    import litellm.utils as _utils

    litellm, _litellm_utils, ORIGINAL = _litellm, _utils, _utils.get_non_default_completion_params
    for module in (_litellm_utils, _litellm_main):  # main imported it by name; utils is where others find it
        if getattr(module, "get_non_default_completion_params", None) is ORIGINAL:
            module.get_non_default_completion_params = get_non_default_completion_params
    INSTALLED = True
    return INSTALLED
"""#
}

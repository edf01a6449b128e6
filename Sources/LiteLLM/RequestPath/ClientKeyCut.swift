import PythonEmbed

/// The OpenAI client's constructor parameters, read once instead of on every call.
///
/// Every call litellm 1.78.7 makes on an OpenAI-compatible route looks up its cached `AsyncOpenAI` client by a key
/// (`BaseOpenAILLM.get_openai_client_cache_key`), and builds that key from the names of `OpenAI.__init__`'s
/// parameters, which `get_openai_client_initialization_param_fields` gets from `inspect.signature(OpenAI.__init__)`
/// each time: about 1.6% of the loop thread's samples in `bootstrap --local` at 64 connections (py-spy). The
/// signature of a function never changes, so the cut asks `inspect` once per client type and constructor and hands
/// back a fresh copy of the same list (callers may extend it). If something replaces `OpenAI.__init__` or
/// `AzureOpenAI.__init__` later, the new constructor is a new key and is read again. Installed only over litellm
/// 1.78.7, the version pinned in python/requirements.txt; litellm's files are not changed.
enum ClientKeyCut {
    static let moduleName = "_embedchat_client_key"

    static let source = #"""
import importlib.metadata

# Loaded before the glue imports litellm (LiteLLMClient), so nothing of litellm's is imported here at load time: an
# import of any litellm module imports litellm itself, before the glue has set litellm's environment (its bundled
# price table instead of a fetch from GitHub). install() imports what it replaces.
ORIGINAL_FIELDS = None  # litellm's own, set by install() (a test compares the two)
_FIELDS = {}


def _initialization_param_fields(client_type):
    from openai import AzureOpenAI, OpenAI

    init = OpenAI.__init__ if client_type == "openai" else AzureOpenAI.__init__
    key = (client_type == "openai", init)
    fields = _FIELDS.get(key)
    if fields is None:
        fields = _FIELDS[key] = tuple(ORIGINAL_FIELDS(client_type))
    return list(fields)


INSTALLED = False


def install():
    global INSTALLED, ORIGINAL_FIELDS
    if INSTALLED or importlib.metadata.version("litellm") != "1.78.7":
        return INSTALLED
    from litellm.llms.openai.common_utils import BaseOpenAILLM

    ORIGINAL_FIELDS = BaseOpenAILLM.get_openai_client_initialization_param_fields
    BaseOpenAILLM.get_openai_client_initialization_param_fields = staticmethod(_initialization_param_fields)
    INSTALLED = True
    return INSTALLED
"""#
}

#!/usr/bin/env python3
"""Structural check of deploy/serverless.yml, and of its agreement with deploy/template.yaml.

  PYTHONPATH=.tools python3 deploy/check-serverless.py [deploy/serverless.yml] [deploy/template.yaml]

Needs PyYAML (in .tools/ from scripts/layer/install-tools.sh, or .python/). Exits 1 listing every problem.
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
errors: list[str] = []


def need(cond: bool, msg: str) -> None:
    if not cond:
        errors.append(msg)


def get(d, *keys, default=None):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return default
        d = d[k]
    return d


class CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation short-form tags (!Ref, !If, !Sub, ...) as {"Tag": value}."""


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {suffix: value}


CfnLoader.add_multi_constructor("!", _tag)


def resolve(value, config: dict, params: dict, env: dict):
    """`value` with the Serverless variables this file uses resolved: ${param:x}, ${self:a.b}, ${env:X, 'default'}
    (nested ones inside-out)."""
    if isinstance(value, dict):
        return {k: resolve(v, config, params, env) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, config, params, env) for v in value]
    if not isinstance(value, str) or "${" not in value:
        return value
    import re
    inner = re.compile(r"\$\{([^${}]*)\}")
    while (m := inner.search(value)) is not None:
        source, _, rest = m.group(1).partition(":")
        ref, _, default = (part.strip() for part in rest.partition(","))
        if source == "param":
            got = params.get(ref)
        elif source == "env":
            got = env.get(ref)
        elif source == "sls":
            got = {"stage": "dev"}.get(ref)
        elif source == "self":
            got = get(config, *ref.split("."))
        else:
            raise ValueError(f"unknown variable source {source!r} in {value!r}")
        if got is None and default:
            got = default.strip("'\"")
        if got is None:
            raise ValueError(f"{m.group(0)} does not resolve")
        if m.span() == (0, len(value)):
            return resolve(got, config, params, env)  # a whole value: may be a mapping
        value = value[: m.start()] + str(got) + value[m.end():]
    return value


def rule_holds(expr) -> bool:
    """A CloudFormation rule expression over literals (Fn::Equals, Fn::Not, Fn::And, Fn::Or)."""
    (fn, args), = expr.items()
    if fn == "Fn::Equals":
        return args[0] == args[1]
    if fn == "Fn::Not":
        return not rule_holds(args[0])
    if fn == "Fn::And":
        return all(rule_holds(a) for a in args)
    if fn == "Fn::Or":
        return any(rule_holds(a) for a in args)
    raise ValueError(f"unsupported rule function {fn}")


def check_public_url_rule(sls: dict) -> None:
    """A public Function URL (no IAM authoriser) must be refused without EMBEDCHAT_AUTH_TOKEN, as template.yaml's
    PublicUrlNeedsAToken refuses FunctionUrlAuthType=NONE without AuthToken: every URL choice x token set or not."""
    defaults = get(sls, "params", "default") or {}
    choices = get(sls, "custom", "functionUrl") or {}
    need(isinstance(choices, dict) and choices, "custom.functionUrl must hold the URL choices (private, public)")
    need(defaults.get("url") in choices, "params.default.url must name one of custom.functionUrl's choices")
    for choice in choices:
        for token in ("", "a-token"):
            params = {**defaults, "url": choice}
            env = {"EMBEDCHAT_AUTH_TOKEN": token} if token else {}
            try:
                resolved = resolve(sls, sls, params, env)
            except ValueError as error:
                errors.append(f"url={choice}: {error}")
                continue
            url = get(resolved, "functions", "chat", "url") or {}
            need(url.get("invokeMode") == "RESPONSE_STREAM", f"url={choice}: invokeMode must be RESPONSE_STREAM")
            public = url.get("authorizer") != "aws_iam"
            refused = False
            for name, rule in (get(resolved, "resources", "Rules") or {}).items():
                applies = rule_holds(rule["RuleCondition"]) if "RuleCondition" in rule else True
                if applies and not all(rule_holds(a["Assert"]) for a in rule.get("Assertions") or []):
                    refused = True
            if public and not token:
                need(refused, f"url={choice} is public without EMBEDCHAT_AUTH_TOKEN and no rule refuses it")
            else:
                need(not refused, f"url={choice} with token={'set' if token else 'unset'} is refused, but it is safe")
            if choice == defaults.get("url"):
                need(not public, "the default Function URL must be IAM-authorised (authorizer: aws_iam)")


def main() -> int:
    sls_path = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "serverless.yml"
    sam_path = Path(sys.argv[2]) if len(sys.argv) > 2 else HERE / "template.yaml"
    sls = yaml.safe_load(sls_path.read_text())
    sam = yaml.load(sam_path.read_text(), Loader=CfnLoader)  # noqa: S506 - SafeLoader subclass

    check_public_url_rule(sls)
    sls = resolve(sls, sls, get(sls, "params", "default") or {}, {})  # the default deployment, as deployed
    need(get(sls, "provider", "name") == "aws", "provider.name must be aws")
    need(get(sls, "provider", "runtime") == "provided.al2023", "provider.runtime must be provided.al2023")
    need(get(sls, "provider", "architecture") in ("x86_64", "arm64", "${param:arch}"), "provider.architecture")

    layer = get(sls, "layers", "pythonLiteLLM")
    need(isinstance(layer, dict), "layers.pythonLiteLLM is missing")
    if isinstance(layer, dict):
        need(bool(layer.get("path") or get(layer, "package", "artifact")), "layers.pythonLiteLLM needs path or package.artifact")
        need("provided.al2023" in (layer.get("compatibleRuntimes") or []), "layer compatibleRuntimes must include provided.al2023")
        art = get(layer, "package", "artifact", default="")
        need(not art or art.endswith("layer.zip"), f"layer artifact {art!r} should be the built layer.zip")

    chat = get(sls, "functions", "chat")
    need(isinstance(chat, dict), "functions.chat is missing")
    if isinstance(chat, dict):
        need(chat.get("handler") == "bootstrap", "functions.chat.handler must be bootstrap")
        need(chat.get("runtime", get(sls, "provider", "runtime")) == "provided.al2023", "chat runtime")
        need({"Ref": "PythonLiteLLMLambdaLayer"} in (chat.get("layers") or []),
             "functions.chat.layers must hold {Ref: PythonLiteLLMLambdaLayer} (the logical id of layers.pythonLiteLLM)")
        need(str(get(chat, "package", "artifact", default="")).endswith("function.zip"),
             "functions.chat.package.artifact must be the built function.zip")
        need(get(chat, "url", "invokeMode") == "RESPONSE_STREAM", "functions.chat.url.invokeMode must be RESPONSE_STREAM")
        env = {**(get(sls, "provider", "environment") or {}), **(chat.get("environment") or {})}
        need(env.get("EMBEDCHAT_INVOKE_MODE") == "RESPONSE_STREAM",
             "EMBEDCHAT_INVOKE_MODE must be RESPONSE_STREAM to match the URL's invoke mode")
        for k in ("EMBEDCHAT_MODELS", "EMBEDCHAT_AUTH_TOKEN"):
            need(k in env, f"environment lacks {k}")

        # Agreement with the SAM template.
        fn = get(sam, "Resources", "ChatFunction", "Properties") or {}
        sam_env = get(fn, "Environment", "Variables") or {}
        need(set(env) == set(sam_env), f"environment keys differ from template.yaml: {sorted(set(env) ^ set(sam_env))}")
        for k, v in sam_env.items():
            if isinstance(v, str) and k in env:
                need(str(env[k]) == v, f"{k}: serverless.yml {env[k]!r} vs template.yaml {v!r}")
        params = get(sam, "Parameters") or {}
        need(get(sls, "provider", "memorySize") == get(params, "MemorySize", "Default"), "memorySize differs from template.yaml")
        need(get(sls, "provider", "timeout") == get(params, "Timeout", "Default"), "timeout differs from template.yaml")
        need(get(fn, "FunctionUrlConfig", "InvokeMode") == "RESPONSE_STREAM", "template.yaml InvokeMode")
        need(fn.get("Runtime") == "provided.al2023" and fn.get("Handler") == "bootstrap", "template.yaml runtime/handler")

    stmts = get(sls, "provider", "iam", "role", "statements") or []
    actions = set()
    for s in stmts:
        a = s.get("Action")
        actions |= set(a if isinstance(a, list) else [a])
    for a in ("secretsmanager:GetSecretValue", "bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"):
        need(a in actions, f"IAM statements lack {a}")

    for e in errors:
        print(f"check-serverless: FAIL: {e}", file=sys.stderr)
    print(f"check-serverless: {'FAILED' if errors else 'ok'} ({sls_path.name} vs {sam_path.name}, {len(errors)} problems)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

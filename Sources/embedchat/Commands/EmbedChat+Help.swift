/// The root command's help: what `embedchat --help` says after the usage line.
extension EmbedChat {
    static let helpText = """
    With no subcommand, embedchat runs `ask`: it sends PROMPT and streams the answer to stdout. Stdout carries \
    only the answer (or JSON with --json); progress, usage and errors go to stderr, so output can be piped on.

    Ask options (see `embedchat help ask`): --model/-m, --system/-s, --temperature/-t, --max-tokens, \
    --api-base, --api-key-env NAME, --timeout SECONDS, --offline, --python-path, --python-home, --no-stream, \
    --json, --usage, --raw, -c/--continue, --cid ID, --no-log. `chat` and `batch` take the same model options as defaults.

    The model is --model (an alias from config.toml stands for its model), else $EMBEDCHAT_DEFAULT_MODEL, else \
    config.toml's default_model, else \(ModelOptions.builtInDefaultModel) \
    (--offline uses the model "offline" unless --model is given). Provider keys come from the variables \
    litellm reads: OPENAI_API_KEY, ANTHROPIC_API_KEY, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), \
    GEMINI_API_KEY, ...; --api-key-env NAME reads the key from another variable. Python packages are found \
    in $EMBEDCHAT_PYTHONPATH (colon-separated, default /opt/python) or --python-path.

    Every exchange is logged in $XDG_DATA_HOME/embedchat/logs.db (see `embedchat logs`; --no-log or \
    EMBEDCHAT_LOG=0 skips it); -c continues the latest conversation, --cid ID a given one. The default model \
    and aliases live in $XDG_CONFIG_HOME/embedchat/config.toml (`embedchat aliases`, `embedchat models`). \
    Shell completions: embedchat --generate-completion-script bash|zsh|fish.

    \(CLIExit.helpText)

    Examples:
      embedchat --offline "Hello"        # no key, no network: a mock reply
      embedchat -m anthropic/claude-3-5-haiku-latest "Explain TCP slow start"
      cat notes.md | embedchat "summarise this"   # piped text + the prompt
      pbpaste | embedchat -              # the prompt itself from stdin
      embedchat --no-stream --json "Hi" | jq .usage
      embedchat chat -s "You are terse."          # REPL; /help inside
      embedchat -c "and shorter?"         # continue the last conversation
      embedchat logs -q "slow start"      # search the log
      embedchat batch prompts.jsonl --concurrency 8 > answers.jsonl
      embedchat doctor                   # where Python and litellm are
    A prompt that is a subcommand's name needs `ask`: embedchat ask doctor
    """
}

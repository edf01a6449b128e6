/// The REPL's commands.
enum ChatCommand {
    static let summary = "/model NAME, /system TEXT, /attach PATH|URL, /reset, /save FILE, /edit, /help, /exit"
    /// The names tab completion offers.
    static let names = ["/model", "/system", "/attach", "/reset", "/save", "/edit", "/help", "/exit", "/quit"]
    static let help = """
        /model NAME     use another model from the next message on (/model alone shows the current one); Tab
                        completes model names and aliases
        /edit [TEXT]    write the message in $VISUAL or $EDITOR, then send it
        \"\"\"             on a line of its own, opens a block of several lines; the next \"\"\" line sends it
        /system TEXT    set the system prompt (/system alone removes it)
        /attach PATH    send a file (image, PDF, text) or https image URL with the next message
        /reset          forget the conversation (the model and system prompt stay)
        /save FILE      write the conversation: FILE.md as Markdown, any other name as JSON messages
        /help           this list
        /exit, /quit    leave (as does Ctrl-D)
        Ctrl-C cancels the answer being streamed and returns to the prompt; at the prompt it drops the line being
        typed. On a terminal, lines are edited
        with libedit: arrows, ↑/↓ for history (kept in $XDG_STATE_HOME/embedchat/history), Tab completes.
        """
}

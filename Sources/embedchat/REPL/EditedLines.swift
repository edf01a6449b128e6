import LineEditor

/// Lines edited on a terminal with libedit; history in `$XDG_STATE_HOME/embedchat/history`.
struct EditedLines: LineSource {
    let editor: LineEditor

    init(historyFile: String, completer: @escaping LineEditor.Completer) {
        editor = LineEditor(historyFile: historyFile, completer: completer)
    }

    func next(prompt: String) async -> String? { await editor.readLine(prompt: prompt) }
    func remember(_ line: String) { editor.addToHistory(line) }
    func abandonLine() { editor.abandonLine() }
}

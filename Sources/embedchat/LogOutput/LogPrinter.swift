import ConversationLog

/// How `logs` prints entries and totals.
enum LogPrinter {
    /// One entry as Markdown: a header of facts, then the system prompt, prompt, response and tool calls.
    static func text(_ entry: LogEntry) -> String {
        var header = "# \(Timestamp.format(entry.createdAt))  id \(entry.id ?? 0)  conversation \(entry.conversationID)\n"
        var facts = ["model: \(entry.model)", entry.command]
        if let prompt = entry.promptTokens, let completion = entry.completionTokens { facts.append("\(prompt) + \(completion) tokens") }
        facts.append(entry.costUSD.map(UsageReport.dollars) ?? "cost unknown")
        if let latency = entry.latencyMilliseconds { facts.append("\(latency) ms") }
        header += facts.joined(separator: " · ") + "\n\n"
        var body = ""
        if let system = entry.system { body += "## System\n\n\(system)\n\n" }
        body += "## Prompt\n\n\(entry.prompt)\n\n## Response\n\n\(entry.response)\n"
        if let tools = entry.toolCallsJSON { body += "\n## Tool calls\n\n\(tools)\n" }
        return header + body
    }
}

/// How to print an answer (``OutputOptions`` as a plain value, also built by `chat`).
struct OutputFormat: Sendable {
    var noStream = false
    var json = false
    var usage = false
    var raw = false
}

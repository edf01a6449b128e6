/// The exit codes embedchat documents.
enum CLIExit {
    static let success: Int32 = 0
    /// The provider or litellm failed the request (authentication, rate limit, timeout, ...); for `batch`, at least
    /// one line failed.
    static let provider: Int32 = 1
    /// Bad options or input: no prompt, unknown option, unreadable file.
    static let usage: Int32 = 2
    /// Python or litellm could not start.
    static let setup: Int32 = 3
    /// Ctrl-C (SIGINT) stopped the command.
    static let interrupted: Int32 = 130

    static let helpText = """
        Exit codes:
          0    success
          1    provider error: authentication, permission, not found, rate
               limit, timeout, server error, ...; batch: a line failed
          2    usage error: bad option or value, no prompt, unreadable input
          3    setup error: Python or litellm could not start (see doctor)
          130  interrupted by Ctrl-C
        """
}

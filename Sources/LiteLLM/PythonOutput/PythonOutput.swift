import Logging
import PythonEmbed

/// Python's own output, routed through the host's log: records of Python's `logging` (litellm's loggers, asyncio's
/// "Task exception was never retrieved", warnings), and anything written to `sys.stderr` or `sys.stdout`
/// (tracebacks from `sys.excepthook` and `threading.excepthook`, stray prints).
///
/// Each record becomes one swift-log message under the label `python` (so the program's log format applies: Lambda's
/// JSON lines under `AWS_LAMBDA_LOG_FORMAT=JSON`), with every secret redacted and control characters escaped
/// (``Redactor/loggable(_:secrets:)``): a provider's message or a traceback cannot hold a key or start a forged log
/// line. Python writes nothing to the process's stdout, which belongs to the host (the CLI's answers).
enum PythonOutput {
    static let source = #"""
import logging
import sys
import threading
import traceback

_LIMIT = 64 * 1024  # a line longer than this is sent in pieces


class HostHandler(logging.Handler):
    """Hands each record to the host as (level number, logger name, text with its traceback)."""

    def __init__(self, send):
        super().__init__(logging.NOTSET)
        self._send = send

    def emit(self, record):
        try:
            try:
                text = record.getMessage()
            except Exception:
                text = str(record.msg)
            if record.exc_info and record.exc_info[0] is not None:
                text += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
            if record.stack_info:
                text += "\n" + record.stack_info
            self._send([record.levelno, record.name, text])
        except Exception:
            pass  # logging must never raise into the code that logged


class HostStream:
    """A text stream whose whole lines go to the host as records of one level."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, send, name, level):
        self._send = send
        self._name = name
        self._level = level
        self._pending = ""
        self._lock = threading.Lock()

    def write(self, text):
        if not isinstance(text, str):
            text = str(text)
        with self._lock:
            self._pending += text
            lines = []
            if "\n" in self._pending:
                *lines, self._pending = self._pending.split("\n")
            while len(self._pending) > _LIMIT:
                lines.append(self._pending[:_LIMIT])
                self._pending = self._pending[_LIMIT:]
        for line in lines:
            if line.strip():
                self._send([self._level, self._name, line])
        return len(text)

    def flush(self):
        with self._lock:
            line, self._pending = self._pending, ""
        if line.strip():
            self._send([self._level, self._name, line])

    def isatty(self):
        return False

    def writable(self):
        return True

    def readable(self):
        return False


def install(send):
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(HostHandler(send))
    root.setLevel(logging.WARNING)
    # litellm gives its loggers stream handlers of their own, bound to the stderr of import time: theirs go, and
    # their records propagate to the root's handler.
    for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy"):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.propagate = True
    logging.captureWarnings(True)  # the warnings Python's filters let through (not its ignored deprecations)
    sys.stderr = HostStream(send, "python.stderr", logging.ERROR)
    sys.stdout = HostStream(send, "python.stdout", logging.INFO)
"""#

    /// Installs the routing: Python's root log handler, litellm's loggers, `sys.stderr` and `sys.stdout`.
    /// - Throws: ``PythonError`` if the glue cannot load.
    static func install(_ gil: borrowing GIL) throws(PythonError) {
        let module = try Interpreter.loadModule(named: "_embedchat_output", source: source, gil)
        let sink = try PyRef.function(gil) { record in emit(record) }
        _ = try module.attribute("install", gil).call(sink, gil)
    }

    /// One record from Python: `[level number, logger name, text]`.
    static func emit(_ record: PythonValue) {
        guard let parts = record.arrayValue, parts.count == 3, let text = parts[2].stringValue else { return }
        let number = parts[0].intValue ?? 40
        let level: Logger.Level = switch number {
        case 50...: .critical
        case 40..<50: .error
        case 30..<40: .warning
        case 20..<30: .info
        default: .debug
        }
        let name = parts[1].stringValue ?? "python"
        Logger(label: "python").log(level: level, "\(Redactor.loggable(text))",
                                    metadata: ["python": "\(Redactor.escapingControlCharacters(name))"])
    }
}

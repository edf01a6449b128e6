import LiteLLM
import PythonEmbed
import Testing

/// RequestWriteCut (Sources/LiteLLM/RequestPath/): a request whose body is known in full leaves in one socket write,
/// byte for byte what httpcore's two writes sent; a streamed body keeps httpcore's order, headers first.
@Suite("Per-request cuts: headers and a fixed body in one write")
struct RequestWriteCutTests {
    /// Runs one request through httpcore's HTTP/1.1 connection over a stream that records each write and answers
    /// with a canned response, twice: with the methods installed now and with httpcore's originals.
    private static let harness = #"""
    import asyncio
    import httpcore
    import httpx
    from httpcore._async.http11 import AsyncHTTP11Connection
    from httpcore._backends.mock import AsyncMockStream
    import _embedchat_write

    ANSWER = [b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n", b'{"ok":true}']

    class Recording(AsyncMockStream):
        def __init__(self, log):
            super().__init__(list(ANSWER))
            self.log = log
        async def write(self, buffer, timeout=None):
            if buffer:
                self.log.append(("write", bytes(buffer)))

    def framing(content):
        fixed = content if isinstance(content, bytes) else getattr(content, "_stream", None)
        if isinstance(fixed, bytes):
            return (b"Content-Length", str(len(fixed)).encode())
        return (b"Transfer-Encoding", b"chunked")

    async def exchange(content, original, log):
        if original:
            cut = (AsyncHTTP11Connection._send_request_headers, AsyncHTTP11Connection._send_request_body)
            AsyncHTTP11Connection._send_request_headers = _embedchat_write.ORIGINAL_SEND_HEADERS
            AsyncHTTP11Connection._send_request_body = _embedchat_write.ORIGINAL_SEND_BODY
        try:
            connection = AsyncHTTP11Connection(origin=httpcore.Origin(b"http", b"127.0.0.1", 8080), stream=Recording(log))
            request = httpcore.Request("POST", "http://127.0.0.1:8080/v1/chat/completions",
                                       headers=[(b"Host", b"127.0.0.1:8080"), (b"Content-Type", b"application/json"), framing(content)],
                                       content=content() if callable(content) else content)
            response = await connection.handle_async_request(request)
            body = await response.aread()
            await response.aclose()
            return (response.status, body, connection.is_idle())
        finally:
            if original:
                AsyncHTTP11Connection._send_request_headers, AsyncHTTP11Connection._send_request_body = cut

    def run(content, original):
        log = []
        loop = asyncio.new_event_loop()
        try:
            outcome = loop.run_until_complete(exchange(content, original, log))
        finally:
            loop.close()
        return outcome, log
    """#

    @Test func aFixedBodyGoesOutInOneWriteWithTheSameBytes() async throws {
        _ = try await startClient()
        let outcome = try Interpreter.withGIL { gil in
            try Interpreter.run(Self.harness + "\n" + #"""
            body = b'{"model": "echo", "messages": [{"role": "user", "content": "hello"}]}'
            results = {}
            for label, content in (("httpcore bytes", body), ("httpx ByteStream", httpx.ByteStream(body))):
                cut, cut_log = run(content, original=False)
                plain, plain_log = run(content, original=True)
                results[label] = [
                    len(cut_log), len(plain_log),
                    b"".join(data for _, data in cut_log) == b"".join(data for _, data in plain_log),
                    list(cut) == list(plain), cut[1].decode(), cut[2],
                ]
            result = [_embedchat_write.INSTALLED, results]
            """#, gil).toValue(gil)
        }
        // One write with the cut, two (headers, body) without; the same bytes; the same answer; the connection
        // is left idle for the next request either way.
        let expected: PythonValue = .array([.int(1), .int(2), .bool(true), .bool(true), .string(#"{"ok":true}"#), .bool(true)])
        #expect(outcome == .array([.bool(true), .object(["httpcore bytes": expected, "httpx ByteStream": expected])]))
    }

    @Test func aStreamedBodyStillSendsItsHeadersBeforeAskingForTheFirstChunk() async throws {
        _ = try await startClient()
        let outcome = try Interpreter.withGIL { gil in
            try Interpreter.run(Self.harness + "\n" + #"""
            def streamed(log):
                async def chunks():
                    log.append(("asked for the first chunk", b""))
                    yield b'{"model": '
                    yield b'"echo"}'
                return chunks

            log = []
            loop = asyncio.new_event_loop()
            try:
                status = loop.run_until_complete(exchange(streamed(log), False, log))[0]
            finally:
                loop.close()
            plain_log = []
            loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(exchange(streamed(plain_log), True, plain_log))
            finally:
                loop.close()
            result = [status, [step for step, _ in log], log == plain_log, log[0][1].startswith(b"POST /v1/chat/completions")]
            """#, gil).toValue(gil)
        }
        #expect(outcome == .array([
            .int(200), .array([.string("write"), .string("asked for the first chunk"), .string("write"), .string("write"), .string("write")]),
            .bool(true), .bool(true),
        ]))
    }
}

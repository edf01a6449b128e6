import LambdaRuntime
import NIOCore
import RuntimeAPIFake
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension LambdaRuntimeTests {
    @Suite("Streamed responses")
    struct StreamedResponseTests {
        @Test func eachStreamedWriteIsOneChunkWithTheChosenContentType() async throws {
            let handler = TestHandler { _, writer, _ in
                try await writer.beginStreaming(contentType: "text/event-stream")
                for part in ["data: a\n\n", "data: bb\n\n", "data: [DONE]\n\n"] {
                    try await writer.write(ByteBuffer(string: part))
                }
                try await writer.finish()
            }
            let (result, _) = try await withRuntime(handler) { fake in
                try await fake.waitForResult(try await fake.enqueue(event: "{}"))
            }
            let post = result.final
            #expect(post.endpoint == .response)
            #expect(post.isStreamed)
            #expect(post.isChunked)
            #expect(post.header("Content-Length") == nil)
            #expect(post.bodyPartCount == 3)
            #expect(post.header("Content-Type") == "text/event-stream")
            #expect(post.header("Trailer") == "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body")
            #expect(post.bodyString == "data: a\n\ndata: bb\n\ndata: [DONE]\n\n")
            #expect(post.trailers?.isEmpty ?? true)
            #expect(!result.isError)
        }

        @Test func errorAfterTheFirstStreamedByteEndsTheBodyWithErrorTrailers() async throws {
            let handler = TestHandler { _, writer, _ in
                try await writer.beginStreaming(contentType: "text/event-stream")
                try await writer.write(ByteBuffer(string: "data: partial\n\n"))
                throw ModelUnavailable(errorMessage: "upstream went away")
            }
            let (result, _) = try await withRuntime(handler) { fake in
                try await fake.waitForResult(try await fake.enqueue(event: "{}"))
            }
            let post = result.final
            #expect(result.posts.count == 1)
            #expect(post.endpoint == .response)
            #expect(post.bodyString == "data: partial\n\n")
            #expect(post.trailer("Lambda-Runtime-Function-Error-Type") == "Model.Unavailable")
            let encoded = try #require(post.trailer("Lambda-Runtime-Function-Error-Body"))
            let decoded = try #require(Data(base64Encoded: encoded))
            #expect(Array(decoded) == post.errorBody)
            #expect(post.error == FunctionErrorBody(errorMessage: "upstream went away", errorType: "Model.Unavailable", stackTrace: []))
            #expect(result.isError)
        }

        @Test func errorBeforeTheFirstStreamedByteGoesToTheErrorEndpoint() async throws {
            let handler = TestHandler { _, writer, _ in
                try await writer.beginStreaming(contentType: "text/event-stream")
                try await writer.write(ByteBuffer())  // empty: still nothing sent
                throw ModelUnavailable(errorMessage: "refused early")
            }
            let (result, _) = try await withRuntime(handler) { fake in
                try await fake.waitForResult(try await fake.enqueue(event: "{}"))
            }
            #expect(result.posts.map(\.endpoint) == [.error])
            #expect(result.error?.errorMessage == "refused early")
        }

        @Test func streamFinishedWithoutWritesIsAnEmptyChunkedResponse() async throws {
            let handler = TestHandler { _, writer, _ in
                try await writer.beginStreaming(contentType: "application/json")
                try await writer.finish()
            }
            let (result, _) = try await withRuntime(handler) { fake in
                try await fake.waitForResult(try await fake.enqueue(event: "{}"))
            }
            #expect(result.final.isChunked)
            #expect(result.final.body.isEmpty)
            #expect(result.final.header("Content-Type") == "application/json")
        }

        @Test func beginStreamingAfterABufferedWriteIsRejected() async throws {
            let seen = Recorder<LambdaRuntimeError.Code>()
            let handler = TestHandler { _, writer, _ in
                try await writer.write(ByteBuffer(string: "buffered"))
                do { try await writer.beginStreaming(contentType: "text/plain") } catch let error as LambdaRuntimeError {
                    seen.append(error.code)
                }
            }
            let (result, _) = try await withRuntime(handler) { fake in
                try await fake.waitForResult(try await fake.enqueue(event: "{}"))
            }
            #expect(seen.all == [.invalidWriterState])
            #expect(!result.final.isChunked)
            #expect(result.bodyString == "buffered")
        }
    }
}

import Foundation
import LambdaRuntime
import NIOCore
import RuntimeAPIFake
import Testing

extension LambdaRuntimeTests {
    @Suite("Streamed HTTP answers: the prelude the runtime writes")
    struct HTTPPreludeTests {
        @Test func theStatusHeadersAndCookiesGoFirstThenEightNULBytesThenTheBody() async throws {
            let handler = TestHandler { _, writer, _ in
                try await writer.beginStreaming(HTTPResponsePrelude(
                    statusCode: 404, headers: ["content-type": "application/json", "x-quote": "a \"b\""], cookies: ["k=v"]))
                try await writer.write(ByteBuffer(string: #"{"error":{}}"#))
                try await writer.finish()
            }
            let (result, _) = try await withRuntime(handler) { fake in
                try await fake.waitForResult(try await fake.enqueue(event: "{}"))
            }
            let post = result.final
            #expect(post.isStreamed)
            #expect(post.header("Content-Type") == "application/vnd.awslambda.http-integration-response")
            let nuls = try #require(post.body.firstRange(of: [UInt8](repeating: 0, count: 8)))
            let json = try #require(try JSONSerialization.jsonObject(with: Data(post.body[..<nuls.lowerBound])) as? [String: Any])
            #expect(json["statusCode"] as? Int == 404)
            #expect(json["headers"] as? [String: String] == ["content-type": "application/json", "x-quote": "a \"b\""])
            #expect(json["cookies"] as? [String] == ["k=v"])
            #expect(String(decoding: post.body[nuls.upperBound...], as: UTF8.self) == #"{"error":{}}"#)
        }

        @Test func withoutCookiesThePreludeHasNoCookiesField() throws {
            let bytes = HTTPResponsePrelude(statusCode: 200).bytes
            #expect(Array(bytes.suffix(8)) == [UInt8](repeating: 0, count: 8))
            #expect(String(decoding: bytes.dropLast(8), as: UTF8.self) == #"{"statusCode":200,"headers":{}}"#)
        }
    }
}

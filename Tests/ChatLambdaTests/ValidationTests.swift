import ChatLambda
import LiteLLM
import Testing

@Suite("Request decoding and validation")
struct ValidationTests {
    func refusal(_ body: String) -> ChatError? {
        do {
            _ = try RequestValidation.decode(Array(body.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: ["api_base", "api_key", "base_url", "mock_response", "callbacks", "success_callback", "metadata", "whatever"])
    func fieldsOutsideTheOpenAIRequestAreRefused(field: String) throws {
        let error = try #require(refusal(userRequest("echo", extra: #","\#(field)":"x""#)))
        #expect(error.status == 400)
        #expect(error.code == "unknown_field")
        #expect(error.param == field)
    }

    @Test(arguments: [
        ("", "invalid_json"),
        ("not json", "invalid_json"),
        ("[1,2]", "invalid_json"),
        (#"{"messages":[{"role":"user","content":"x"}]}"#, "missing_required_parameter"),
        (#"{"model":"m","messages":[]}"#, "invalid_value"),
        (#"{"model":"m","messages":[{"role":"robot","content":"x"}]}"#, "invalid_value"),
        (#"{"model":"m","messages":[{"role":"user","content":42}]}"#, "invalid_type"),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":"hot"}"#, "invalid_type"),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":3}"#, "invalid_value"),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"top_p":1.5}"#, "invalid_value"),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":0}"#, "invalid_value"),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"n":50}"#, "invalid_value"),
        (#"{"model":"m","messages":[{"role":"tool","content":"x"}]}"#, "invalid_value"),
        (#"{"model":"m","messages":[{"role":"user","content":[{"type":"audio","data":"x"}]}]}"#, "invalid_value"),
        (#"{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://169.254.169.254/x.png"}}]}]}"#, "invalid_value"),
        (#"{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"file:///etc/passwd"}}]}]}"#, "invalid_value"),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"bad name!"}}]}"#, "invalid_value"),
        (#"{"model":"m","messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"file-abc"}}]}]}"#, "invalid_value"),
        (#"{"model":"m","messages":[{"role":"user","content":[{"type":"file","file":{"file_data":"data:text/html;base64,PGI+"}}]}]}"#, "invalid_value"),
    ])
    func malformedRequestsAreRefusedWith400(body: String, code: String) throws {
        let error = try #require(refusal(body))
        #expect(error.status == 400)
        #expect(error.code == code)
        #expect(error.type == "invalid_request_error")
    }

    /// What the decoder got wrong in its words: a string with invalid UTF-8 read as "expected an array", and a number
    /// an integer field cannot hold as "not valid JSON". (Found by a fuzzing session.)
    @Test func badTextAndNumbersThatDoNotFitAreNamedAsSuch() throws {
        var text = Array(#"{"model":"m","messages":[{"role":"user","content":"X"}]}"#.utf8)
        text[text.firstIndex(of: UInt8(ascii: "X"))!] = 0xFF
        do {
            _ = try RequestValidation.decode(text)
            Issue.record("invalid UTF-8 was accepted")
        } catch {
            #expect(error.code == "invalid_json" && error.message.contains("UTF-8"), "\(error)")
        }
        for field in [#""max_tokens":1.5"#, #""seed":1180591620717411303424"#, #""n":2.5"#] {
            let error = try #require(refusal(#"{"model":"m","messages":[{"role":"user","content":"x"}],\#(field)}"#), "\(field)")
            #expect(error.status == 400 && error.code == "invalid_value" && error.message.contains("does not fit its field"), "\(field): \(error)")
        }
        // Still invalid JSON: a body that does not parse.
        #expect(try #require(refusal(#"{"model":"m","max_tokens":1.5"#)).code == "invalid_json")
    }

    /// Two more of the decoder's misleading words (found by a fuzzing session): an escaped lone surrogate in a string
    /// was "expected an array", and a body nested past the parser's depth limit "not valid JSON".
    @Test func loneSurrogatesAndNestingTooDeepAreNamedAsSuch() throws {
        for escape in [#"\ud800"#, #"\uDBFF and more"#, #"\udc00"#, #"\ud800\u0041"#] {
            let error = try #require(refusal(#"{"model":"m","messages":[{"role":"user","content":"x\#(escape)"}]}"#), "\(escape)")
            #expect(error.status == 400 && error.code == "invalid_json" && error.message.contains("unpaired UTF-16 surrogate"), "\(escape): \(error)")
        }
        // A pair is text, and an escaped backslash before "ud800" is no escape at all.
        #expect(refusal(#"{"model":"m","messages":[{"role":"user","content":"\ud83d\ude00 \\ud800"}]}"#) == nil)
        func nested(_ levels: Int) -> String {
            let stop = String(repeating: "[", count: levels) + String(repeating: "]", count: levels)
            return #"{"model":"m","messages":[{"role":"user","content":"x"}],"stop":\#(stop)}"#
        }
        let error = try #require(refusal(nested(600)))
        #expect(error.status == 400 && error.code == "invalid_json" && error.message.contains("nests deeper than 512 levels"), "\(error)")
        // The limit is the parser's: 512 levels in all (the body's object and 511 arrays) are read, and refused for
        // their type; one more is too deep.
        #expect(try #require(refusal(nested(511))).code == "invalid_type")
        #expect(try #require(refusal(nested(512))).message.contains("nests deeper than"))
        // Brackets inside a string do not nest.
        let quoted = String(repeating: "[", count: 600)
        #expect(refusal(#"{"model":"m","messages":[{"role":"user","content":"\#(quoted)"}]}"#) == nil)
    }

    @Test func httpsAndDataImageURLsAreAccepted() throws {
        let body = #"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"what is it"},{"type":"image_url","image_url":{"url":"https://example.com/a.png","detail":"low"}},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]}"#
        let request = try RequestValidation.decode(Array(body.utf8))
        #expect(request.messages.count == 1)
    }

    @Test func pdfFileDataIsAccepted() throws {
        let body = #"{"model":"m","messages":[{"role":"user","content":[{"type":"file","file":{"file_data":"data:application/pdf;base64,JVBERi0=","filename":"a.pdf"}},{"type":"text","text":"summarise"}]}]}"#
        let request = try RequestValidation.decode(Array(body.utf8))
        #expect(request.messages.first?.content == .parts([.file(.init(fileData: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf")),
                                                           .text("summarise")]))
    }

    @Test func aFullOpenAIRequestIsAccepted() throws {
        let body = #"{"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"42"}],"temperature":0.2,"top_p":0.9,"max_tokens":10,"stop":["x"],"seed":1,"user":"u","n":1,"presence_penalty":0,"frequency_penalty":0,"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":"auto","stream":true,"stream_options":{"include_usage":true},"response_format":{"type":"text"}}"#
        let request = try RequestValidation.decode(Array(body.utf8))
        #expect(request.stream == true)
        #expect(request.tools?.count == 1)
    }

    @Test func errorBodiesHaveTheOpenAIShape() throws {
        let error = ChatError.unknownModel("gpt-9")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(error.body)) as? [String: Any])
        let inner = try #require(body["error"] as? [String: Any])
        #expect(inner["type"] as? String == "invalid_request_error")
        #expect(inner["code"] as? String == "model_not_found")
        #expect(inner["message"] is String)
        #expect(error.status == 404)
        #expect(error.errorType == "Chat.ModelNotFound")
    }

    @Test(arguments: [
        (LiteLLMError.Kind.badRequest, 400), (.contextWindowExceeded, 400), (.authentication, 401), (.permissionDenied, 403),
        (.notFound, 404), (.timeout, 504), (.unprocessableEntity, 422), (.rateLimit, 429), (.internalServer, 500),
        (.serviceUnavailable, 503), (.apiConnection, 500), (.other, 500),
    ])
    func litellmErrorClassesMapToTheContractStatuses(kind: LiteLLMError.Kind, status: Int) {
        #expect(ChatError(LiteLLMError(kind: kind, message: "m")).status == status)
    }
}

import Foundation

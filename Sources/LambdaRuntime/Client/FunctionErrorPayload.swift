import JSONText

/// The body of `/error` and `/runtime/init/error`, and (base64) of the streaming error trailer.
struct FunctionErrorPayload: Sendable {
    let errorType: String
    let errorMessage: String

    init(errorType: String, errorMessage: String) {
        self.errorType = errorType
        self.errorMessage = errorMessage
    }

    /// Takes type and message from a ``LambdaFunctionError``, else the Swift type name and description.
    init(_ error: any Error) {
        if let error = error as? any LambdaFunctionError {
            self.init(errorType: error.errorType, errorMessage: error.errorMessage)
        } else {
            self.init(errorType: String(describing: type(of: error)), errorMessage: String(describing: error))
        }
    }

    /// `{"errorMessage": "...", "errorType": "...", "stackTrace": []}`, the shape docs/design/lambda.md fixes.
    func json(maxMessageBytes: Int = .max) -> String {
        var message = errorMessage
        if message.utf8.count > maxMessageBytes {
            message = String(decoding: message.utf8.prefix(maxMessageBytes), as: UTF8.self) + "…"
        }
        return #"{"errorMessage":\#(JSONString.quoted(message)),"errorType":\#(JSONString.quoted(errorType)),"stackTrace":[]}"#
    }

    /// The error type as a header value.
    var headerValue: String {
        let cleaned = sanitizedHeaderValue(errorType)
        return cleaned.isEmpty ? "Unhandled" : cleaned
    }
}

/// Printable ASCII only: NIO refuses other header bytes, and a refused write would look like a transport failure.
func sanitizedHeaderValue(_ value: String) -> String {
    String(value.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F })
}

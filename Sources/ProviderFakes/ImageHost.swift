// An image host for the server-side image fetch tests: `GET /_fake/image/<kind>`.
//
// | kind | answer |
// |---|---|
// | `png` | a 1×1 PNG (`image/png`) |
// | `redirect?to=<percent-encoded URL>` | 302 to that URL |
// | `hang` | nothing, ever: the connection stays open (a tarpit) |
// | `endless` | `image/png` chunks of 64 KiB every millisecond, 1.3 GB in all: without end for any sane client |
// | `text` | `text/html`, not an image |
// | `status-<N>` | status N with a body that quotes the request |

enum ImageHost {
    /// A valid 1×1 transparent PNG.
    static let png: [UInt8] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
        0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
        0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
        0x42, 0x60, 0x82,
    ]

    static func plan(kind: String, query: String) -> [ResponseStep] {
        switch kind {
        case "png":
            return ResponsePlan.full(status: 200, contentType: "image/png", body: png)
        case "redirect":
            let target = query.split(separator: "&").first { $0.hasPrefix("to=") }.map { Router.percentDecode(String($0.dropFirst(3))) } ?? "/"
            return [.head(status: 302, headers: [("location", target), ("content-length", "0")]), .end]
        case "hang":
            return [.hang]
        case "endless":
            let chunk = [UInt8](repeating: 0x42, count: 64 * 1024)
            var steps: [ResponseStep] = [.head(status: 200, headers: [("content-type", "image/png")]), .write(png)]
            for _ in 0..<20_000 { steps += [.write(chunk), .delay(1)] }
            return steps
        case "text":
            return ResponsePlan.full(status: 200, contentType: "text/html", body: Array("<html>not an image</html>".utf8))
        default:
            if kind.hasPrefix("status-"), let status = Int(kind.dropFirst(7)), (200...599).contains(status) {
                return ResponsePlan.full(status: status, contentType: "text/plain",
                                         body: Array("fake image host: status \(status) for /_fake/image/\(kind)".utf8))
            }
            return ResponsePlan.full(status: 404, contentType: "text/plain", body: Array("no such image".utf8))
        }
    }
}

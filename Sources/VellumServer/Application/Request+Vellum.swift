import Foundation
import Hummingbird
import VellumCore

extension Request {
    /// The query parameters in order, repeated names kept (RFC 6749 §3.1: repeats are errors).
    var queryParameterList: RequestParameters {
        guard let query = uri.query, !query.isEmpty else { return [] }
        return FormDecoding.parse(query)
    }

    /// The value of cookie `name`, if sent.
    func cookie(_ name: String) -> String? {
        cookies[name]?.value
    }

    /// The event metadata for what this request causes.
    func metadata(context: VellumRequestContext, instance: String, actor: Actor) -> EventMetadata {
        var metadata = EventMetadata(
            requestID: context.requestID, remoteIP: context.clientIP,
            userAgent: headers[.userAgent].map { String($0.prefix(512)) }, instance: instance, actor: actor)
        metadata.clientRequestID = context.clientRequestID
        return metadata
    }
}

/// `application/x-www-form-urlencoded` parsing that keeps order and repeated names, which
/// Hummingbird's Codable form decoder does not expose and OAuth needs (RFC 6749 §3.1, §3.2).
enum FormDecoding {
    /// Split on the UTF-8 bytes `&` and `=`, which never occur inside a multi-byte character:
    /// splitting the `String` itself walked grapheme clusters, a twentieth of an introspection's
    /// CPU for a JWT-sized parameter.
    static func parse(_ text: String) -> RequestParameters {
        text.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true).map { pair in
            guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else { return (name: decode(Substring(pair)), value: "") }
            return (name: decode(Substring(pair[..<equals])), value: decode(Substring(pair[pair.index(after: equals)...])))
        }
    }

    /// `+` is a space and `%XX` a byte; text that is not valid percent-encoded UTF-8 is kept as
    /// sent. A NUL byte, which no PostgreSQL text can hold, is never decoded: the text is kept as
    /// sent with any raw NUL written `%00`, so that a client id or username holding one is simply
    /// unknown. Byte by byte: Foundation's `removingPercentEncoding` was a tenth of the server's
    /// time on the token endpoints.
    static func decode(_ part: Substring) -> String {
        let utf8 = part.utf8
        guard utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") || $0 == 0 }) else { return String(part) }
        func asSent() -> String { String(decoding: utf8.flatMap { $0 == 0 ? Array("%00".utf8) : [$0] }, as: UTF8.self) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let byte = utf8[index]
            utf8.formIndex(after: &index)
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard index != utf8.endIndex, let high = hexValue(utf8[index]) else { return asSent() }
                utf8.formIndex(after: &index)
                guard index != utf8.endIndex, let low = hexValue(utf8[index]) else { return asSent() }
                utf8.formIndex(after: &index)
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        guard !bytes.contains(0) else { return asSent() }
        return String(validating: bytes, as: UTF8.self) ?? asSent()
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension RequestParameters {
    /// The single value of `name`; nil when absent or sent empty (RFC 6749 §3.1: a parameter
    /// without a value is treated as omitted).
    func value(_ name: String) -> String? { first { $0.name == name && !$0.value.isEmpty }?.value }

    /// Every non-empty value of `name`, in order (RFC 8707 `resource` may repeat).
    func values(_ name: String) -> [String] { filter { $0.name == name && !$0.value.isEmpty }.map(\.value) }

    /// The names that appear more than once.
    var repeatedNames: [String] {
        var seen = Set<String>(), repeated = Set<String>()
        for parameter in self where !seen.insert(parameter.name).inserted { repeated.insert(parameter.name) }
        return repeated.sorted()
    }
}

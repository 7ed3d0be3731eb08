import Foundation
public import VellumCore

/// What an investigator holds, and the flow it leads to: a flow id, a raw code, or a raw token.
public enum FlowLookup: Sendable, Equatable {
    /// The flow's stream.
    case stream(String)
    /// A key of the audit token index (`audit_tokens.token_key`) and its kind.
    case token(key: String, kind: String)

    /// The lookup for exactly one of `flow` (a UUID, with or without `flow-`), a raw authorization
    /// `code`, or a raw `token`: a JWT is read, not verified (the auditor holds no key), for its
    /// `jti`; anything else is taken as a refresh token and looked up by its hash.
    public static func parse(flow: String?, code: String?, token: String?) throws(FlowLookupError) -> FlowLookup {
        if let flow {
            let id = StreamID.flowID(of: flow) ?? flow
            guard UUID(uuidString: id) != nil else { throw FlowLookupError("--flow takes the flow's UUID") }
            return .stream(StreamID.flow(id.lowercased()).description)
        }
        if let code { return .token(key: SecretHash(of: code).hex, kind: "authorization_code") }
        let token = token ?? ""
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 3, let claims = Base64URL.decode(String(parts[1])),
           let object = try? JSONSerialization.jsonObject(with: claims) as? [String: Any], let jti = object["jti"] as? String {
            return .token(key: jti, kind: "access_token")
        }
        return .token(key: SecretHash(of: token).hex, kind: "refresh_token")
    }
}

/// A lookup that cannot be made, with the reason.
public struct FlowLookupError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The identifier of an entity's stream, `<kind>-<id>` in the log: `flow-…`, `client-…`,
/// `user-…`, `session-…`. Built and taken apart here only (the `keys` and `audit` streams have no id).
public struct StreamID: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case flow, client, user, session
    }

    public let kind: Kind
    /// The id of the flow, client, user or session.
    public let id: String

    public init(_ kind: Kind, _ id: String) {
        self.kind = kind
        self.id = id
    }

    /// The stream id `text` taken apart; nil when it is not an entity's stream.
    public init?(_ text: some StringProtocol) {
        guard let dash = text.firstIndex(of: "-"), let kind = Kind(rawValue: String(text[..<dash])) else { return nil }
        self.init(kind, String(text[text.index(after: dash)...]))
    }

    /// The flow stream of `id`.
    public static func flow(_ id: String) -> StreamID { StreamID(.flow, id) }

    /// The client stream of `id`.
    public static func client(_ id: String) -> StreamID { StreamID(.client, id) }

    /// `<kind>-<id>`, as the log has it.
    public var description: String { "\(kind.rawValue)-\(id)" }

    /// The id of flow stream `text`; nil for any other stream.
    public static func flowID(of text: some StringProtocol) -> String? {
        guard let stream = StreamID(text), stream.kind == .flow else { return nil }
        return stream.id
    }
}

import Foundation

/// An event payload: what happened, in the past tense. Its JSON is what the log stores and hashes.
///
/// Payloads carry a `schema_version`; a decoder must keep reading every version ever written,
/// because the log is never migrated.
public protocol Event: Codable, Sendable, Equatable {
    /// The `type` column: the type's name, a noun in the past tense.
    static var type: String { get }
    /// The current schema version of the payload.
    static var schemaVersion: Int { get }
}

extension Event {
    public static var schemaVersion: Int { 1 }
}

/// The JSON form of events and metadata: keys sorted, so that equal events have equal bytes.
/// Every event type names its snake_case keys explicitly (`CodingKeys`): they are a contract.
public enum EventJSON {
    /// Encodes `event` with its `schema_version`.
    public static func encode<E: Event>(_ event: E) throws -> String {
        try SortedJSON.string(Versioned(event: event))
    }

    /// Decodes a payload of type `E` (version 1 decoders ignore the `schema_version` key).
    public static func decode<E: Event>(_ type: E.Type, from payload: String) throws -> E {
        try decoder.decode(E.self, from: Data(payload.utf8))
    }

    /// Encodes any value (metadata, documents) the same way.
    public static func encodeValue(_ value: some Encodable) throws -> String {
        try SortedJSON.string(value)
    }

    /// Decodes any value written by ``encodeValue(_:)``.
    public static func decodeValue<T: Decodable>(_ type: T.Type, from json: String) throws -> T {
        try decoder.decode(T.self, from: Data(json.utf8))
    }

    /// The event's own keys plus `schema_version`, in one JSON object.
    private struct Versioned<E: Event>: Encodable {
        enum Keys: String, CodingKey { case schemaVersion = "schema_version" }
        let event: E

        func encode(to encoder: any Encoder) throws {
            try event.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(E.schemaVersion, forKey: .schemaVersion)
        }
    }

    static let decoder = JSONDecoder()
}

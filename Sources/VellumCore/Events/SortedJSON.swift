import Foundation

/// The bytes `JSONEncoder` makes with `[.sortedKeys, .withoutEscapingSlashes]` — keys in UTF-8
/// order (as swift-foundation sorts them off Apple platforms), `"`, `\` and control characters
/// escaped, the rest as it is — made without its generic machinery: JSONEncoder boxed every value,
/// cast it to each type it special-cases and built a dictionary per object, 8.5 % of a code
/// redemption's server CPU for its events, metadata and response (2026-12-02).
///
/// Strings, integers, booleans, nulls, arrays and keyed objects are written here; a value of any
/// other kind JSONEncoder treats specially (floating point, `Data`, `URL`, `Date`, `Decimal`) is
/// left to JSONEncoder itself, for the whole value. Debug builds (the test suite) encode every
/// value both ways and stop on any difference.
public enum SortedJSON {
    /// `value` as sorted-keys JSON.
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        let fast: [UInt8]
        do {
            fast = try encodeWithoutFallback(value)
        } catch is UnsupportedValue {
            return Array(try foundation.encode(value))
        }
        #if DEBUG
        let expected = Array(try foundation.encode(value))
        precondition(fast == expected, """
            SortedJSON differs from JSONEncoder for \(type(of: value)):
            \(String(decoding: fast, as: UTF8.self))
            \(String(decoding: expected, as: UTF8.self))
            """)
        #endif
        return fast
    }

    /// ``encode(_:)`` as a string.
    public static func string(_ value: some Encodable) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    /// The encoder this one stands in for.
    static let foundation: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Only the kinds written here; throws ``UnsupportedValue`` for any other.
    static func encodeWithoutFallback(_ value: some Encodable) throws -> [UInt8] {
        let root = Slot()
        try root.store(value)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        guard let node = root.node else { throw UnsupportedValue() }
        node.write(to: &bytes)
        return bytes
    }

    struct UnsupportedValue: Error {}
}

// MARK: - The tree of a value

/// A JSON value under construction; objects and arrays are classes so that nested containers can
/// fill them after they are placed in their parent.
private enum Node {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array(ArrayNode)
    case object(ObjectNode)

    func write(to bytes: inout [UInt8]) {
        switch self {
        case .null: bytes += "null".utf8
        case .bool(let value): bytes += (value ? "true" : "false").utf8
        case .number(let digits): bytes += digits.utf8
        case .string(let text): writeString(text, to: &bytes)
        case .array(let array):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in array.elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                (element.node ?? .object(ObjectNode())).write(to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            let members = object.members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (index, member) in members.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(member.key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                (member.value.node ?? .object(ObjectNode())).write(to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }
}

/// JSONEncoder's escaping: quote, backslash, the short escapes, other control characters as
/// `\u00xx` (lowercase hex); slashes and everything from 0x20 up as they are.
private func writeString(_ text: String, to bytes: inout [UInt8]) {
    bytes.append(UInt8(ascii: "\""))
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
        case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
        case 0x08: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
        case 0x0C: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
        case 0x0A: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
        case 0x0D: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
        case 0x09: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
        case 0x00..<0x20:
            bytes += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                      lowercaseHex[Int(byte >> 4)], lowercaseHex[Int(byte & 0x0F)]]
        default: bytes.append(byte)
        }
    }
    bytes.append(UInt8(ascii: "\""))
}

private let lowercaseHex: [UInt8] = Array("0123456789abcdef".utf8)

private final class ObjectNode {
    var members: [String: Slot] = [:]
}

private final class ArrayNode {
    var elements: [Slot] = []
}

/// Where one value goes: a member of an object, an element of an array, or the root.
private final class Slot {
    var node: Node?

    /// Stores `value`, encoding it into this slot unless it is one of the kinds JSONEncoder treats
    /// specially.
    func store<T: Encodable>(_ value: T) throws {
        if T.self == Double.self || T.self == Float.self || T.self == Data.self || T.self == URL.self
            || T.self == Date.self || T.self == Decimal.self {
            throw SortedJSON.UnsupportedValue()
        }
        try value.encode(to: SlotEncoder(slot: self, codingPath: []))
    }

    var object: ObjectNode {
        if case .object(let object) = node { return object }
        let object = ObjectNode()
        node = .object(object)
        return object
    }

    var array: ArrayNode {
        if case .array(let array) = node { return array }
        let array = ArrayNode()
        node = .array(array)
        return array
    }
}

// MARK: - Encoder

private struct SlotEncoder: Encoder {
    let slot: Slot
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(KeyedContainer<Key>(object: slot.object, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        UnkeyedContainer(array: slot.array, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueContainer(slot: slot, codingPath: codingPath)
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let object: ObjectNode
    let codingPath: [any CodingKey]

    private func put(_ node: Node, _ key: Key) {
        let slot = Slot()
        slot.node = node
        object.members[key.stringValue] = slot
    }

    mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { throw SortedJSON.UnsupportedValue() }
    mutating func encode(_ value: Float, forKey key: Key) throws { throw SortedJSON.UnsupportedValue() }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(.number(String(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(.number(String(value)), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let slot = Slot()
        object.members[key.stringValue] = slot
        try slot.store(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let slot = Slot()
        object.members[key.stringValue] = slot
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(object: slot.object, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let slot = Slot()
        object.members[key.stringValue] = slot
        return UnkeyedContainer(array: slot.array, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let slot = Slot()
        object.members[key.stringValue] = slot
        return SlotEncoder(slot: slot, codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let array: ArrayNode
    let codingPath: [any CodingKey]
    var count: Int { array.elements.count }

    private func append(_ node: Node) {
        let slot = Slot()
        slot.node = node
        array.elements.append(slot)
    }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { throw SortedJSON.UnsupportedValue() }
    mutating func encode(_ value: Float) throws { throw SortedJSON.UnsupportedValue() }
    mutating func encode(_ value: Int) throws { append(.number(String(value))) }
    mutating func encode(_ value: Int8) throws { append(.number(String(value))) }
    mutating func encode(_ value: Int16) throws { append(.number(String(value))) }
    mutating func encode(_ value: Int32) throws { append(.number(String(value))) }
    mutating func encode(_ value: Int64) throws { append(.number(String(value))) }
    mutating func encode(_ value: UInt) throws { append(.number(String(value))) }
    mutating func encode(_ value: UInt8) throws { append(.number(String(value))) }
    mutating func encode(_ value: UInt16) throws { append(.number(String(value))) }
    mutating func encode(_ value: UInt32) throws { append(.number(String(value))) }
    mutating func encode(_ value: UInt64) throws { append(.number(String(value))) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let slot = Slot()
        array.elements.append(slot)
        try slot.store(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let slot = Slot()
        array.elements.append(slot)
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(object: slot.object, codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let slot = Slot()
        array.elements.append(slot)
        return UnkeyedContainer(array: slot.array, codingPath: codingPath)
    }

    mutating func superEncoder() -> any Encoder {
        let slot = Slot()
        array.elements.append(slot)
        return SlotEncoder(slot: slot, codingPath: codingPath)
    }
}

private struct SingleValueContainer: SingleValueEncodingContainer {
    let slot: Slot
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { slot.node = .null }
    mutating func encode(_ value: Bool) throws { slot.node = .bool(value) }
    mutating func encode(_ value: String) throws { slot.node = .string(value) }
    mutating func encode(_ value: Double) throws { throw SortedJSON.UnsupportedValue() }
    mutating func encode(_ value: Float) throws { throw SortedJSON.UnsupportedValue() }
    mutating func encode(_ value: Int) throws { slot.node = .number(String(value)) }
    mutating func encode(_ value: Int8) throws { slot.node = .number(String(value)) }
    mutating func encode(_ value: Int16) throws { slot.node = .number(String(value)) }
    mutating func encode(_ value: Int32) throws { slot.node = .number(String(value)) }
    mutating func encode(_ value: Int64) throws { slot.node = .number(String(value)) }
    mutating func encode(_ value: UInt) throws { slot.node = .number(String(value)) }
    mutating func encode(_ value: UInt8) throws { slot.node = .number(String(value)) }
    mutating func encode(_ value: UInt16) throws { slot.node = .number(String(value)) }
    mutating func encode(_ value: UInt32) throws { slot.node = .number(String(value)) }
    mutating func encode(_ value: UInt64) throws { slot.node = .number(String(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws { try slot.store(value) }
}

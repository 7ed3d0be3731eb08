import Foundation
import Testing
@testable import VellumCore

/// SortedJSON must write exactly JSONEncoder's bytes (sorted keys, slashes unescaped): the log
/// hashes them, and equal events must have equal bytes. (Debug builds also compare every value
/// encoded anywhere in the suite.)
@Suite("Sorted JSON without JSONEncoder")
struct SortedJSONTests {
    private struct Inner: Codable { let b: [String]; let a: Int64?; let z: Bool }
    private struct Sample: Encodable {
        let text: String
        let numbers: [Int]
        let nested: Inner
        let optional: String?
        let map: [String: Int64]
        let list: [Inner?]
        let unsigned: UInt64
        let negative: Int32
        enum CodingKeys: String, CodingKey {
            case text, numbers, nested, optional, map, list, unsigned, negative
            case aUnderscored = "a_b"
        }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(text, forKey: .text)
            try container.encode(numbers, forKey: .numbers)
            try container.encode(nested, forKey: .nested)
            try container.encodeIfPresent(optional, forKey: .optional)
            try container.encode(map, forKey: .map)
            try container.encode(list, forKey: .list)
            try container.encode(unsigned, forKey: .unsigned)
            try container.encode(negative, forKey: .negative)
            try container.encodeNil(forKey: .aUnderscored)
        }
    }

    private func expectSameAsJSONEncoder(_ value: some Encodable) throws {
        let fast = String(decoding: try SortedJSON.encodeWithoutFallback(value), as: UTF8.self)
        let expected = String(decoding: try SortedJSON.foundation.encode(value), as: UTF8.self)
        #expect(fast == expected)
    }

    @Test func escapesKeysOrderAndNestingAreJSONEncoders() throws {
        let text = "quote \" backslash \\ slash / tab \t newline \n return \r bell \u{07} esc \u{1B} del \u{7F} é 東 🙂 \u{08}\u{0C}"
        try expectSameAsJSONEncoder(Sample(
            text: text, numbers: [0, -1, Int.max, Int.min], nested: Inner(b: ["x", "", text], a: nil, z: true),
            optional: nil, map: ["b": 2, "a_": 1, "a": 0, "B": 3, "é": 4, "a1": 5, "a_b": 6], list: [nil, Inner(b: [], a: 7, z: false)],
            unsigned: UInt64.max, negative: Int32.min))
        try expectSameAsJSONEncoder(Sample(
            text: "", numbers: [], nested: Inner(b: [], a: 1, z: false), optional: "present", map: [:], list: [],
            unsigned: 0, negative: 0))
    }

    @Test func topLevelArraysAndFragments() throws {
        try expectSameAsJSONEncoder(["b", "a/"])
        try expectSameAsJSONEncoder("fragment \"")
        try expectSameAsJSONEncoder(42)
        try expectSameAsJSONEncoder([String: [String: Bool]]())
    }

    @Test func floatingPointAndDataAreLeftToJSONEncoder() throws {
        struct WithDouble: Encodable { let x: Double }
        struct WithData: Encodable { let d: Data }
        #expect(throws: SortedJSON.UnsupportedValue.self) { try SortedJSON.encodeWithoutFallback(WithDouble(x: 0.1)) }
        #expect(throws: SortedJSON.UnsupportedValue.self) { try SortedJSON.encodeWithoutFallback(WithData(d: Data([1, 2]))) }
        #expect(try SortedJSON.string(WithDouble(x: 0.1)) == String(decoding: try SortedJSON.foundation.encode(WithDouble(x: 0.1)), as: UTF8.self))
        #expect(try SortedJSON.string(WithData(d: Data([1, 2]))) == #"{"d":"AQI="}"#)
    }
}

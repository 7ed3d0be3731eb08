/// Splits a SQL script into its statements, for a driver that runs one statement per query.
///
/// Understands what a migration file holds: `--` and `/* */` comments, single-quoted strings,
/// double-quoted identifiers and dollar-quoted bodies (`$$ … $$`, `$tag$ … $tag$`), inside which a
/// semicolon does not end a statement.
enum SQLScript {
    /// The statements of `script`, trimmed, without their terminating semicolons; empty ones dropped.
    static func statements(in script: String) -> [String] {
        let text = Array(script.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var index = 0

        func flush() {
            let statement = String(current).trimmingWhitespace()
            if !statement.isEmpty && !statement.isOnlyComments { statements.append(statement) }
            current = String.UnicodeScalarView()
        }
        func copy(until end: Int) {
            current.append(contentsOf: text[index..<min(end, text.count)])
            index = min(end, text.count)
        }

        while index < text.count {
            let scalar = text[index]
            let next = index + 1 < text.count ? text[index + 1] : nil
            switch scalar {
            case ";":
                flush()
                index += 1
            case "-" where next == "-":
                copy(until: (text[index...].firstIndex(of: "\n") ?? text.count))
            case "/" where next == "*":
                copy(until: (text.firstRange(of: ["*", "/"], from: index + 2)?.upperBound ?? text.count))
            case "'", "\"":
                copy(until: (text[(index + 1)...].firstIndex(of: scalar).map { $0 + 1 } ?? text.count))
            case "$":
                if let tagEnd = text.dollarTagEnd(from: index) {
                    let tag = Array(text[index...tagEnd])
                    let bodyEnd = text.firstRange(of: tag, from: tagEnd + 1)?.upperBound ?? text.count
                    copy(until: bodyEnd)
                } else {
                    copy(until: index + 1)
                }
            default:
                copy(until: index + 1)
            }
        }
        flush()
        return statements
    }
}

extension Array where Element == Unicode.Scalar {
    /// The index of the closing `$` of a dollar-quote tag starting at `start`, if one starts there.
    fileprivate func dollarTagEnd(from start: Int) -> Int? {
        var index = start + 1
        while index < count {
            let scalar = self[index]
            if scalar == "$" { return index }
            let isTagCharacter = scalar == "_" || scalar.properties.isAlphabetic
                || (index > start + 1 && ("0"..."9").contains(scalar))
            guard isTagCharacter else { return nil }
            index += 1
        }
        return nil
    }

    fileprivate func firstRange(of pattern: [Unicode.Scalar], from start: Int) -> Range<Int>? {
        guard !pattern.isEmpty, start <= count - pattern.count else { return nil }
        for index in start...(count - pattern.count) where self[index..<(index + pattern.count)].elementsEqual(pattern) {
            return index..<(index + pattern.count)
        }
        return nil
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }

    /// Whether every line is a `--` comment (what is left after the last statement of a file).
    fileprivate var isOnlyComments: Bool {
        split(separator: "\n").allSatisfy { $0.trimmingPrefix(while: \.isWhitespace).hasPrefix("--") }
    }
}

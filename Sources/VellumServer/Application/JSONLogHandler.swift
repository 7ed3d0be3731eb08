public import Logging
import Foundation
import Synchronization
import VellumCore

/// Log lines as JSON objects, one per line (`VELLUM_LOG_FORMAT=json`), for log shippers: `time`
/// (RFC 3339, UTC), `level`, `label`, `message`, then the metadata's keys (`request_id` on every
/// line a request causes). A metadata key never replaces one of the four.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (String) -> Void

    /// A handler writing to standard error.
    public init(label: String) {
        self.init(label: label, write: JSONLogHandler.standardError)
    }

    /// A handler handing each line (with its newline) to `write`.
    public init(label: String, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let extra = event.metadata { all.merge(extra) { $1 } }
        var line = #"{"time":"# + JSONString.quoted(Timestamp(Date()).description)
        line += #","level":"# + JSONString.quoted(event.level.rawValue)
        line += #","label":"# + JSONString.quoted(label)
        line += #","message":"# + JSONString.quoted(event.message.description)
        for (key, value) in all.sorted(by: { $0.key < $1.key }) where !Self.reserved.contains(key) {
            line += "," + JSONString.quoted(key) + ":" + Self.json(value)
        }
        line += "}\n"
        write(line)
    }

    private static let reserved: Set<String> = ["time", "level", "label", "message"]

    private static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): JSONString.quoted(text)
        case .stringConvertible(let convertible): JSONString.quoted(convertible.description)
        case .array(let values): "[" + values.map(json).joined(separator: ",") + "]"
        case .dictionary(let values):
            "{" + values.sorted { $0.key < $1.key }.map { JSONString.quoted($0.key) + ":" + json($0.value) }.joined(separator: ",") + "}"
        }
    }


    private static let lock = Mutex(())

    @Sendable private static func standardError(_ line: String) {
        lock.withLock { _ in
            var line = line
            line.withUTF8 { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Foundation.write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                    if written > 0 { offset += written } else if errno != EINTR { return }
                }
            }
        }
    }
}

/// How `vellum` writes its log (`VELLUM_LOG_FORMAT`): `text` (swift-log's lines) or `json`.
public enum LogFormat: String, Sendable, CaseIterable {
    case text, json

    /// Makes every logger of the process write in this format; once per process, before the first logger.
    public func bootstrap() {
        switch self {
        case .text: LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        case .json: LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
        }
    }
}

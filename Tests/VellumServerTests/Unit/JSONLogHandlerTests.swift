import Foundation
import Logging
import Synchronization
import Testing
@testable import VellumServer

@Suite("JSON log lines")
struct JSONLogHandlerTests {
    @Test func eachLineIsOneJSONObjectWithItsMetadata() throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "vellum") { JSONLogHandler(label: $0) { line in lines.withLock { $0.append(line) } } }
        logger[metadataKey: "request_id"] = "r-1"
        logger.info("a \"quoted\"\nmessage\u{1}", metadata: ["path": "/token", "level": "not the level", "n": .stringConvertible(3),
                                                           "list": ["a", "b"]])
        let line = try #require(lines.withLock { $0 }.first)
        #expect(line.hasSuffix("}\n") && line.filter { $0 == "\n" }.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["message"] as? String == "a \"quoted\"\nmessage\u{1}")
        #expect(object["level"] as? String == "info")
        #expect(object["label"] as? String == "vellum")
        #expect(object["request_id"] as? String == "r-1")
        #expect(object["path"] as? String == "/token")
        #expect(object["n"] as? String == "3")
        #expect(object["list"] as? [String] == ["a", "b"])
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
    }
}

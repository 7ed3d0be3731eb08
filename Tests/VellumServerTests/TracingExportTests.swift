import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `vellum serve --otel-endpoint`: each request a span, exported over OTLP/HTTP to a collector
/// (here a small HTTP server that keeps what it is sent). Run in scripts/test's second phase: it
/// starts a server and a cluster of its own.
@Suite("Traces over OTLP")
struct TracingExportTests {
    @Test(.timeLimit(.minutes(2)))
    func requestsAreExportedAsSpansWithoutTheirSecrets() async throws {
        let executable = try #require(Commands.executable("vellum"), "the vellum binary should be built beside the tests")
        let dataDirectory = Commands.temporaryDataDirectory("vellum-otel")
        let received = dataDirectory + ".otlp"
        defer {
            try? FileManager.default.removeItem(atPath: dataDirectory)
            try? FileManager.default.removeItem(atPath: received)
        }
        // The collector: appends every POSTed body to `received`, answers 200.
        let collectorPort = Int.random(in: 28_000..<32_000)  // below Linux's ephemeral ports (32768-60999)
        let collector = Process()
        collector.executableURL = URL(filePath: "/usr/bin/env")
        collector.arguments = ["python3", "-c", """
            import http.server, sys
            class Sink(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
                    with open(sys.argv[1], 'ab') as f: f.write(self.path.encode() + b'\\n' + body + b'\\n')
                    self.send_response(200); self.send_header('Content-Type', 'application/x-protobuf'); self.end_headers()
                def log_message(self, *args): pass
            http.server.HTTPServer(('127.0.0.1', int(sys.argv[2])), Sink).serve_forever()
            """, received, "\(collectorPort)"]
        collector.standardOutput = FileHandle.nullDevice
        collector.standardError = FileHandle.nullDevice
        try collector.run()
        defer { collector.terminate() }

        let port = Int.random(in: 20_000..<28_000)  // below Linux's ephemeral ports, which a client socket may hold
        let server = Process()
        server.executableURL = executable
        server.arguments = ["serve", "--port", "\(port)", "--data-dir", dataDirectory, "--otel-endpoint", "http://127.0.0.1:\(collectorPort)"]
        var environment = Commands.environment
        environment["OTEL_BSP_SCHEDULE_DELAY"] = "100"  // export every 0.1 s rather than 5 s
        server.environment = environment
        // The server's log, for a failure to say why it stopped (a CI run saw it exit before ready).
        let serverLog = dataDirectory + ".log"
        FileManager.default.createFile(atPath: serverLog, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: serverLog) }
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle(forWritingAtPath: serverLog)
        try server.run()
        defer { if server.isRunning { server.terminate() } }

        var ready = false
        for _ in 0..<600 where server.isRunning && !ready {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/readyz")!)
            request.timeoutInterval = 2
            ready = ((try? await URLSession.shared.data(for: request))?.1 as? HTTPURLResponse)?.statusCode == 200
            if !ready { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(ready, "the server \(server.isRunning ? "did not answer" : "exited with \(server.terminationStatus)"): \(String(decoding: FileManager.default.contents(atPath: serverLog)?.suffix(4_000) ?? Data(), as: UTF8.self))")
        let secretState = "state-\(UUID().uuidString)"
        _ = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/jwks.json")!)
        _ = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/authorize?client_id=c_x&state=\(secretState)")!)

        var exported = Data()
        for _ in 0..<100 {
            exported = FileManager.default.contents(atPath: received) ?? Data()
            if exported.range(of: Data("/authorize".utf8)) != nil && exported.range(of: Data("/jwks.json".utf8)) != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(exported.range(of: Data("/v1/traces".utf8)) != nil, "the spans were POSTed to the traces path")
        #expect(exported.range(of: Data("vellum".utf8)) != nil, "service.name")
        #expect(exported.range(of: Data("/jwks.json".utf8)) != nil && exported.range(of: Data("/authorize".utf8)) != nil)
        #expect(exported.range(of: Data(secretState.utf8)) == nil, "the state is redacted from the span")

        server.interrupt()
        for _ in 0..<300 where server.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!server.isRunning && server.terminationStatus == 0)
        #expect(Commands.postgresProcesses(dataDirectory: dataDirectory).isEmpty)
    }
}

import Foundation
import Testing
import VellumTestSupport

/// The front channel in a real browser: headless Chromium drives `vellum serve` through the login
/// and consent pages to a listener at the client's redirect URI (Tests/Browser/consent_flow.py).
/// Chromium applies CSP `form-action` to the redirect that follows a form post, which no HTTP-level
/// test sees; this one failed while the pages said `form-action 'self'`. It needs chromium,
/// chromedriver and Python's selenium, which `scripts/test` installs (`scripts/ensure-browser`).
@Suite("The front channel in headless Chromium")
struct ChromiumFlowTests {
    private static let packageRoot = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The `vellum` executable that `swift test` built next to the test bundle.
    private static var executable: URL? {
        let bundle = URL(filePath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [bundle, bundle.deletingLastPathComponent()].map { $0.appending(path: "vellum") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    @Test(.timeLimit(.minutes(3)))
    func denyAllowAndRememberedConsentReachTheClientInChromium() async throws {
        let executable = try #require(Self.executable, "the vellum binary should be built beside the tests")
        let script = Self.packageRoot.appending(path: "Tests/Browser/consent_flow.py")
        let workDirectory = URL(filePath: "/tmp").appending(path: "vellum-chromium-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: workDirectory) }

        let arguments = ["python3", script.path, "--vellum", executable.path, "--work-dir", workDirectory.path,
                         "--screenshots", workDirectory.appending(path: "screenshots").path]
        // The browser takes a minute: waited for on a thread of its own, not the concurrency pool's.
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "VELLUM_DATABASE_URL")
        let finished = try await runToEnd(URL(filePath: "/usr/bin/env"), arguments, environment: environment, mergingErrors: true)
        let (status, text) = (finished.status, finished.output)

        #expect(status == 0, "the browser test failed (run scripts/ensure-browser if selenium or chromium is missing):\n\(text)")
        #expect(text.contains("browser: 4 passed, 0 failed"), "\(text)")
        for page in ["login", "consent", "error"] {
            #expect(FileManager.default.fileExists(atPath: workDirectory.appending(path: "screenshots/\(page).png").path),
                    "a screenshot of the \(page) page")
        }
    }
}

import ArgumentParser
import Hummingbird
import VellumServer
import VellumStore

/// `vellum serve`: migrates the database, then serves until SIGINT or SIGTERM.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the authorization server.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Address to listen on (env VELLUM_HOST, default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (env VELLUM_PORT, default 8080).")
    var port: Int?

    @Option(help: "Issuer URL (env VELLUM_ISSUER, default http://HOST:PORT).")
    var issuer: String?

    func run() async throws {
        let logger = Environment.logger()
        let host = host ?? Environment.value("VELLUM_HOST") ?? "127.0.0.1"
        guard let port = port ?? Environment.value("VELLUM_PORT").map({ Int($0) }) ?? 8080 else {
            throw ValidationError("VELLUM_PORT must be a port number")
        }
        let configuration = ServerConfiguration(host: host, port: port, issuer: issuer ?? Environment.value("VELLUM_ISSUER"))

        let opened = try await Database.open(database.location, logger: logger)
        do {
            let application = buildApplication(configuration: configuration, database: opened.configuration, logger: logger)
            try await application.runService()
        } catch {
            await opened.close()
            throw error
        }
        await opened.close()
    }
}

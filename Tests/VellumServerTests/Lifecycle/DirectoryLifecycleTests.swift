import Foundation
import HTTPTypes
import Testing
import VellumCore
import VellumServer
import VellumStore
import VellumTestSupport

@Suite("Client and user lifecycle, as events (ClientDisabled, ClientSecretRotated, UserDisabled, PasswordChanged)")
struct DirectoryLifecycleTests {
    @Test func aDisabledClientIsRefusedAtOnceAndItsTokensAreRevoked() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient(refreshTokens: true)
            try await server.createUser()
            var browser = Browser(server)
            let (flow, tokens) = try await server.tokens(for: client, browser: &browser)
            let access = try #require(tokens.accessToken)
            var second = Browser(server)
            let pending = try await second.authorize(clientID: client.clientID)

            let outcome = try await Administration.disableClient(client.clientID, store: server.store, metadata: server.operatorMetadata)
            #expect(outcome.changed)
            #expect(outcome.revokedFlows.contains(flow))
            #expect(try await server.store.readStream("client-\(client.clientID)").map(\.type) == ["ClientRegistered", "ClientDisabled"])
            let revoked = try #require(try await server.store.readStream("flow-\(flow)").last)
            #expect(revoked.type == "TokensRevoked" && revoked.payload.contains(#""reason":"client_disabled""#))

            // Authorize: an error page, never a redirect. Token: invalid_client, even for a code issued before.
            let authorize = try await browser.get(Browser.authorizeURI(clientID: client.clientID))
            #expect(authorize.status == .badRequest)
            #expect(authorize.headers[.location] == nil)
            let redeem = try await server.token(TestServer.codeForm(pending.code), basic: (client.clientID, client.secret!))
            #expect(redeem.status == .unauthorized && redeem.error == "invalid_client")
            let refresh = try await server.token([("grant_type", "refresh_token"), ("refresh_token", try #require(tokens.json["refresh_token"] as? String))],
                                                 basic: (client.clientID, client.secret!))
            #expect(refresh.error == "invalid_client")

            // Enabled again: requests work, the revoked token stays revoked.
            #expect(try await Administration.enableClient(client.clientID, store: server.store, metadata: server.operatorMetadata).changed)
            #expect(!(try await server.isActive(access, client: client)))
            #expect(try await browser.get(Browser.authorizeURI(clientID: client.clientID)).status == .seeOther)
        }
    }

    @Test func aRotatedSecretReplacesTheOldOneAtOnce() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            let old = try #require(client.secret)
            let secret = try await Administration.rotateClientSecret(client.clientID, store: server.store, metadata: server.operatorMetadata)
            #expect(secret != old)
            let form = [("token", "anything")]
            #expect(try await server.postForm("/introspect", form, basic: (client.clientID, old)).error == "invalid_client")
            #expect(try await server.postForm("/introspect", form, basic: (client.clientID, secret)).status == .ok)
            // The old secret's refusal is recorded after the rotation (ClientAuthenticationFailed).
            let events = try await server.store.readStream("client-\(client.clientID)")
            #expect(events.map(\.type) == ["ClientRegistered", "ClientSecretRotated", "ClientAuthenticationFailed"])
            #expect(!events[1].payload.contains(secret) && !events[2].payload.contains(old))
            let publicClient = try await server.registerClient(isPublic: true)
            await #expect(throws: AdministrationError.self) {
                try await Administration.rotateClientSecret(publicClient.clientID, store: server.store, metadata: server.operatorMetadata)
            }
        }
    }

    @Test func aDisabledUserIsSignedOutRevokedAndRefused() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient(refreshTokens: true)
            let userID = try await server.createUser()
            var browser = Browser(server)
            let (flow, tokens) = try await server.tokens(for: client, browser: &browser)

            let outcome = try await Administration.disableUser("alice", store: server.store, metadata: server.operatorMetadata)
            #expect(outcome.changed && outcome.endedSessions.count == 1 && outcome.revokedFlows == [flow])
            #expect(try await server.store.readStream("user-\(userID)").map(\.type) == ["UserCreated", "UserDisabled"])
            #expect(!(try await server.isActive(try #require(tokens.accessToken), client: client)))
            // The browser's session is over, and the password no longer signs in.
            let again = try await browser.startFlow(clientID: client.clientID)
            let login = try await browser.logIn(flow: again)
            #expect(login.status == .unauthorized)
            #expect(try await server.store.readStream("flow-\(again)").last?.payload.contains(#""reason":"user_disabled""#) == true)

            #expect(try await Administration.enableUser(userID, store: server.store, metadata: server.operatorMetadata).changed)
            var fresh = Browser(server)
            _ = try await fresh.authorize(clientID: client.clientID)

            // A code issued before the user was disabled is refused at the token endpoint.
            var pending = Browser(server)
            let (pendingFlow, code) = try await pending.authorize(clientID: client.clientID)
            _ = try await Administration.disableUser(userID, store: server.store, metadata: server.operatorMetadata)
            let redeemed = try await server.token(TestServer.codeForm(code), basic: (client.clientID, client.secret!))
            #expect(redeemed.error == "invalid_grant")
            #expect(try await server.store.readStream("flow-\(pendingFlow)").last?.payload.contains(#""reason":"user_disabled""#) == true)
        }
    }

    @Test func aNewPasswordRefusesTheOldOneAndEndsSessions() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            let userID = try await server.createUser()
            var browser = Browser(server)
            _ = try await browser.authorize(clientID: client.clientID)
            let newPassword = "a brand new passphrase"
            let outcome = try await Administration.setPassword(
                "alice", password: newPassword, store: server.store, metadata: server.operatorMetadata, bcryptCost: 4)
            #expect(outcome.endedSessions.count == 1)
            #expect(try await server.store.readStream("user-\(userID)").map(\.type) == ["UserCreated", "PasswordChanged"])

            let flow = try await browser.startFlow(clientID: client.clientID)
            #expect(try await browser.logIn(flow: flow).status == .unauthorized, "the old password is refused")
            #expect(try await browser.logIn(flow: flow, password: newPassword).status == .seeOther)
        }
    }

    @Test func noEventPayloadHoldsAPasswordHash() async throws {
        try await TestServer.with { server in
            try await server.createUser()
            try await Administration.setPassword("alice", password: "another fine password", store: server.store,
                                                 metadata: server.operatorMetadata, bcryptCost: 4)
            let dump = try await withConnection(server.database) { connection in
                var text = ""
                let rows = try await connection.query("SELECT type, payload::text FROM events", logger: TestCluster.logger)
                for try await (type, payload) in rows.decode((String, String).self) { text += "\(type) \(payload)\n" }
                let hashes = try await connection.query("SELECT password_hash FROM user_credentials", logger: TestCluster.logger)
                var found: [String] = []
                for try await hash in hashes.decode(String.self) { found.append(hash) }
                return (text, found)
            }
            #expect(dump.1.count == 2, "both credentials are kept in user_credentials")
            #expect(dump.0.contains("UserCreated") && dump.0.contains("PasswordChanged"))
            for hash in dump.1 { #expect(!dump.0.contains(hash)) }
            // bcrypt hashes start with $2a$, $2b$ or $2y$: none anywhere in the log.
            #expect(!dump.0.contains("$2a$") && !dump.0.contains("$2b$") && !dump.0.contains("$2y$"))
        }
    }

    @Test func listsNeverShowASecretOrAHash() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient()
            try await server.createUser()
            let queries = ProjectionQueries(client: server.store.client, logger: TestCluster.logger)
            let clients = String(decoding: try JSONEncoder().encode(try await queries.clients()), as: UTF8.self)
            let users = String(decoding: try JSONEncoder().encode(try await queries.users()), as: UTF8.self)
            #expect(clients.contains(client.clientID) && !clients.contains(client.secret!) && !clients.contains("secret_hash"))
            #expect(users.contains("alice") && !users.contains("$2"))
        }
    }
}

@Suite("The directory's projections rebuild from the log")
struct DirectoryRebuildTests {
    @Test func lifecycleEventsAndLoginFailuresRebuildIdentically() async throws {
        try await TestServer.with { server in
            let client = try await server.registerClient(refreshTokens: true)
            try await server.createUser()
            try await server.createUser("bob")
            var browser = Browser(server)
            _ = try await server.tokens(for: client, browser: &browser)
            var failing = Browser(server)
            let flow = try await failing.startFlow(clientID: client.clientID)
            _ = try await failing.logIn(flow: flow, username: "bob", password: "wrong password")
            _ = try await Administration.rotateClientSecret(client.clientID, store: server.store, metadata: server.operatorMetadata)
            _ = try await Administration.disableUser("bob", store: server.store, metadata: server.operatorMetadata)
            _ = try await Administration.setPassword("alice", password: "yet another password", store: server.store,
                                                     metadata: server.operatorMetadata, bcryptCost: 4)
            _ = try await Administration.disableClient(client.clientID, store: server.store, metadata: server.operatorMetadata)
            try await CatchUpRunner(client: server.store.client, logger: TestCluster.logger).catchUp(AuditIndex())
            let report = try await ProjectionRebuilder(client: server.store.client, logger: TestCluster.logger)
                .rebuild(swap: false, pruneCutoff: Timestamp(Date()).adding(seconds: -86400))
            #expect(report.matches, "\(report.tables.filter { !$0.matches })")
            #expect(report.tables.first { $0.table == "login_failures" }?.rows == 2, "bob's account and the address")
            #expect(report.tables.first { $0.table == "users" }?.rows == 2)
        }
    }
}

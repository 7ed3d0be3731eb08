import Testing
import VellumCore

@Suite("Client authentication (RFC 6749 §2.3)")
struct ClientAuthenticationTests {
    @Test func theRegisteredMethodWithTheRightSecretAuthenticates() throws {
        let client = try ClientAuthentication.authenticate(.basic(clientID: "app", secret: "s3cret"), client: Fixtures.client())
        #expect(client.clientID == "app")
        #expect(try ClientAuthentication.authenticate(.none(clientID: "app"), client: Fixtures.client(public: true)).isPublic)
    }

    @Test func everyFailureIsInvalidClient() {
        let confidential = Fixtures.client()
        let cases: [(PresentedClientCredentials, RegisteredClient?)] = [
            (.basic(clientID: "app", secret: "wrong"), confidential),
            (.post(clientID: "app", secret: "s3cret"), confidential),  // registered for Basic
            (.none(clientID: "app"), confidential),
            (.basic(clientID: "app", secret: "s3cret"), nil),
            (.basic(clientID: "app", secret: "x"), Fixtures.client(public: true)),
        ]
        for (presented, client) in cases {
            #expect(throws: OAuthError.invalidClient("client authentication failed")) {
                try ClientAuthentication.authenticate(presented, client: client)
            }
        }
    }

    @Test func registrationRules() throws {
        let registered = try ClientRules.register(
            clientID: "c", name: "C", redirectURIs: ["https://c.example/cb"], isPublic: true, authMethod: nil,
            scope: Scope(["openid"]), grantTypes: ["authorization_code"], secretHash: nil)
        #expect(registered.authMethod == .none)
        #expect(throws: ClientRegistrationError.self) {
            try ClientRules.register(clientID: "c", name: "C", redirectURIs: ["http://c.example/cb"], isPublic: true, authMethod: nil,
                                     scope: .empty, grantTypes: ["authorization_code"], secretHash: nil)
        }
        #expect(throws: ClientRegistrationError.self) {
            try ClientRules.register(clientID: "c", name: "C", redirectURIs: ["https://c.example/cb"], isPublic: false,
                                     authMethod: ClientAuthenticationMethod.none, scope: .empty, grantTypes: ["authorization_code"],
                                     secretHash: SecretHash(of: "x"))
        }
    }
}

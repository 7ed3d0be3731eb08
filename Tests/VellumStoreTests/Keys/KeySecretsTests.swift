import Foundation
import Testing
import VellumStore
import VellumTestSupport

@Suite("Sealed key secrets in the store")
struct KeySecretsTests {
    @Test func aSecretIsKeptOnceAndFoundByKind() async throws {
        try await TestStore.with { test in
            let secrets = KeySecrets(client: test.client, logger: TestCluster.logger)
            try await secrets.store([1, 2, 3], for: "k-1", kind: .signing)
            try await secrets.store([9, 9, 9], for: "k-1", kind: .signing)  // the first one stands
            #expect(try await secrets.sealed(for: "k-1", kind: .signing) == Data([1, 2, 3]))
            #expect(try await secrets.sealed(for: "k-1", kind: .audit) == nil, "signing and audit keys are kept apart")
            try await secrets.store([4], for: "a-1", kind: .audit)
            #expect(try await secrets.kept(among: ["a-1", "a-2"], kind: .audit) == ["a-1"])
            try await secrets.remove("k-1", kind: .signing)
            #expect(try await secrets.sealed(for: "k-1", kind: .signing) == nil)
        }
    }
}

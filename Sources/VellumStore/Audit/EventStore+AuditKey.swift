import Foundation
public import VellumCore

extension EventStore {
    /// Records `created` in the `audit` stream unless the log already names that key.
    public func publishAuditKey(_ created: AuditKeyCreated, metadata: EventMetadata) async throws {
        let metadataJSON = try EventJSON.encodeValue(metadata.forCommand(UUID().uuidString.lowercased()))
        try await update("audit") { history -> StreamDecision<Void> in
            let known = try history.filter { $0.type == AuditKeyCreated.type }
                .map { try EventJSON.decode(AuditKeyCreated.self, from: $0.payload).keyID }
            guard !known.contains(created.keyID) else { return StreamDecision(events: [], result: ()) }
            return StreamDecision(events: [try ProposedEvent(created, metadata: metadataJSON)], result: ())
        }
    }
}

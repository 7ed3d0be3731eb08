/// One event of a flow as the replay reads it.
public struct ReplayInput: Sendable {
    public let position: Int64
    public let time: Timestamp
    public let type: String
    public let payload: String
    public let metadata: String

    public init(position: Int64, time: Timestamp, type: String, payload: String, metadata: String) {
        self.position = position
        self.time = time
        self.type = type
        self.payload = payload
        self.metadata = metadata
    }
}

/// What an investigator tracks through a flow: each credential's state after a step.
public struct TrackedState: Sendable, Equatable, Codable {
    /// none, issued, redeemed, expired
    public var authorizationCode: String
    /// none, issued, revoked, expired (the latest access token; "(n)" when there were several)
    public var accessToken: String
    /// none, issued, rotated, revoked, expired (the latest refresh token)
    public var refreshToken: String
    public var userAuthenticated: Bool

    enum CodingKeys: String, CodingKey {
        case authorizationCode = "authorization_code", accessToken = "access_token", refreshToken = "refresh_token"
        case userAuthenticated = "user_authenticated"
    }

    /// The states that `flow` implies at `time`; expiry is judged by time alone, as the server does.
    public init(_ flow: FlowState, at time: Timestamp) {
        if let code = flow.code {
            authorizationCode = flow.codeRedeemed ? "redeemed" : (time >= code.expiresAt ? "expired" : "issued")
        } else {
            authorizationCode = "none"
        }
        if let last = flow.accessTokens.last {
            let state = last.revoked ? "revoked" : (time >= last.expiresAt ? "expired" : "issued")
            accessToken = flow.accessTokens.count > 1 ? "\(state) (\(flow.accessTokens.count))" : state
        } else {
            accessToken = "none"
        }
        if let last = flow.refreshTokens.last {
            switch last.status {
            case .rotated: refreshToken = "rotated"
            case .revoked: refreshToken = "revoked"
            case .active: refreshToken = time >= last.expiresAt ? "expired" : "issued"
            }
        } else {
            refreshToken = "none"
        }
        userAuthenticated = flow.authentication != nil
    }
}

/// One step of a replayed flow: what happened, who did it, and the state it left.
public struct ReplayStep: Sendable {
    public let step: Int
    public let position: Int64
    public let time: Timestamp
    public let type: String
    public let actor: String
    public let data: [(String, String)]
    public let result: String
    public let state: TrackedState
}

/// Replays a flow's events with the same `evolve` as the live projections (DESIGN.md §2): the
/// state after each step, and the state as of any instant.
public enum FlowReplay {
    /// The steps of `events` (in version order) recorded at or before `asOf` (all when nil).
    public static func steps(_ events: [ReplayInput], asOf: Timestamp? = nil) throws -> [ReplayStep] {
        var state = FlowState()
        var steps: [ReplayStep] = []
        for input in events where asOf.map({ input.time <= $0 }) ?? true {
            guard let event = try FlowEvent(type: input.type, payload: input.payload) else { continue }
            state.evolve(event)
            let metadata = try? EventJSON.decodeValue(EventMetadata.self, from: input.metadata)
            var actor = metadata?.actor.description ?? "unknown"
            if let ip = metadata?.remoteIP { actor += " @ \(ip)" }
            let (data, result) = describe(event)
            steps.append(ReplayStep(step: steps.count + 1, position: input.position, time: input.time, type: input.type,
                                    actor: actor, data: data, result: result, state: TrackedState(state, at: input.time)))
        }
        return steps
    }

    /// The flow's state as of `time`.
    public static func state(_ events: [ReplayInput], asOf time: Timestamp) throws -> TrackedState {
        var state = FlowState()
        for input in events where input.time <= time {
            if let event = try FlowEvent(type: input.type, payload: input.payload) { state.evolve(event) }
        }
        return TrackedState(state, at: time)
    }

    /// The key fields of an event (hashes shortened: they identify, they are not secrets) and its result.
    static func describe(_ event: FlowEvent) -> (data: [(String, String)], result: String) {
        func short(_ hash: SecretHash) -> String { String(hash.hex.prefix(12)) + "…" }
        switch event {
        case .requested(let r):
            var data = [("client_id", r.clientID), ("redirect_uri", r.redirectURI), ("scope", r.scope.description),
                        ("pkce", r.codeChallengeMethod ?? "none")]
            if let state = r.state { data.append(("state", state)) }
            if let nonce = r.nonce { data.append(("nonce", nonce)) }
            return (data, "ok")
        case .authenticated(let a):
            return ([("user", a.username), ("user_id", a.userID), ("method", a.method), ("session", a.sessionID)], "ok")
        case .authenticationFailed(let f):
            return ([("username", f.username)], "failed: \(f.reason)")
        case .consentGranted(let c):
            return ([("scope", c.scope.description), ("remembered", String(c.remembered))], "granted")
        case .consentDenied(let d):
            return ([("scope", d.scope.description)], "denied")
        case .codeIssued(let c):
            return ([("code", short(c.codeHash)), ("expires_at", c.expiresAt.description)], "ok")
        case .codeRedeemed(let c):
            return ([("code", short(c.codeHash)), ("client_id", c.clientID)], "ok")
        case .codeRejected(let r):
            return ([("code", short(r.codeHash)), ("client_id", r.clientID)], "rejected: \(r.reason.rawValue)")
        case .tokensIssued(let t):
            var data = [("access_token", t.accessTokenID), ("expires_at", t.accessTokenExpiresAt.description),
                        ("scope", t.scope.description), ("grant", t.grantType)]
            if let refresh = t.refreshToken { data.append(("refresh_token", short(refresh.hash))) }
            if t.idTokenIssued { data.append(("id_token", "issued")) }
            return (data, "ok")
        case .tokensRevoked(let r):
            return ([("access_tokens", String(r.accessTokenIDs.count)), ("refresh_tokens", String(r.refreshTokenHashes.count))],
                    "revoked: \(r.reason)")
        case .refreshRotated(let r):
            return ([("previous", short(r.previousHash)), ("retry", String(r.retry))], "ok")
        case .refreshRejected(let r):
            return ([("refresh_token", short(r.presentedHash)), ("client_id", r.clientID)], "rejected: \(r.reason)")
        case .refreshReuseDetected(let r):
            return ([("refresh_token", short(r.presentedHash)), ("family", r.family)], "reuse detected: family revoked")
        }
    }
}

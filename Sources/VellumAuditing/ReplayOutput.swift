import Foundation
public import VellumCore
public import VellumStore

/// How a replay reads: a step table and a variable tracker for people, one JSON object for scripts.
public enum ReplayOutput {
    public static func table(flowID: String, steps: [ReplayStep], chain: String, asOf: Timestamp?, state: TrackedState?) -> String {
        var lines = ["flow \(flowID)" + (asOf.map { " as of \($0)" } ?? ""), ""]
        let stepRows = steps.map { step in
            [String(step.step), step.time.description, step.actor, step.type,
             step.data.map { "\($0.0)=\($0.1)" }.joined(separator: " "), step.result]
        }
        lines += render(["step", "time", "actor", "action", "data", "result"], stepRows)
        lines.append("")
        lines.append("variables after each step")
        let trackerRows = steps.map { step in
            [String(step.step), step.type, step.state.authorizationCode, step.state.accessToken, step.state.refreshToken,
             step.state.userAuthenticated ? "yes" : "no"]
        } + (state.map { state in
            [["as of", asOf?.description ?? "", state.authorizationCode, state.accessToken, state.refreshToken,
              state.userAuthenticated ? "yes" : "no"]]
        } ?? [])
        lines += render(["step", "after", "authorization code", "access token", "refresh token", "user authenticated"], trackerRows)
        lines.append("")
        lines.append("chain: \(chain)")
        return lines.joined(separator: "\n")
    }

    public static func json(flowID: String, steps: [ReplayStep], chain: String, asOf: Timestamp?, state: TrackedState?) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var object: [String: Any] = [
            "flow": flowID,
            "chain": chain,
            "steps": try steps.map { step -> [String: Any] in
                [
                    "step": step.step, "position": step.position, "time": step.time.description, "type": step.type,
                    "actor": step.actor, "result": step.result,
                    "data": Dictionary(step.data, uniquingKeysWith: { first, _ in first }),
                    "state": try JSONSerialization.jsonObject(with: encoder.encode(step.state)),
                ]
            },
        ]
        if let asOf, let state {
            object["as_of"] = asOf.description
            object["state"] = try JSONSerialization.jsonObject(with: encoder.encode(state))
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    public static func table(flows: [AuditedFlow]) -> String {
        guard !flows.isEmpty else { return "no flows" }
        return render(["started", "flow", "user", "client", "ip", "outcome"], flows.map { flow in
            [flow.startedAt.description, flow.flowID, flow.username ?? flow.userID ?? "-", flow.clientID, flow.remoteIP ?? "-", flow.outcome]
        }).joined(separator: "\n")
    }

    public static func json(flows: [AuditedFlow]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(["flows": flows]), as: UTF8.self)
    }

    /// Left-aligned columns, two spaces apart.
    private static func render(_ header: [String], _ rows: [[String]]) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }
}

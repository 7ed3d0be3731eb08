import Crypto
import Foundation
import VellumCore

/// CSRF tokens for the login and consent forms, bound to the browser and to the flow: the form's
/// `csrf_token` is an HMAC of the browser's `vellum_csrf` cookie and the flow id, so a form
/// posted from another site (which cannot read or set the cookie) or for another flow fails.
struct CSRFProtection: Sendable {
    static let cookieName = "vellum_csrf"
    let key: SymmetricKey

    init(masterKey: MasterKey) {
        key = masterKey.derived(for: "csrf")
    }

    /// The token to put in the form for `flowID`, given the browser's cookie value.
    func token(browserNonce: String, flowID: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(browserNonce)|\(flowID)".utf8), using: key)
        return Base64URL.encode(Data(mac))
    }

    /// Whether `token` was made for this browser and flow.
    func isValid(_ token: String?, browserNonce: String?, flowID: String) -> Bool {
        guard let token, let browserNonce, !browserNonce.isEmpty else { return false }
        return ConstantTime.equal(Array(token.utf8), Array(self.token(browserNonce: browserNonce, flowID: flowID).utf8))
    }
}
